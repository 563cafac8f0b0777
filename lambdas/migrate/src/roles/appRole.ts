/**
 * The application role: the least-privileged PostgreSQL role the API functions connect as, created
 * and kept in shape by every migration run (which connects as the database's owner, the RDS master
 * user in provisioned mode). It may read and write the application's tables and nothing else: no
 * DDL (no CREATE on the schema, no temporary tables, owns nothing), not the migrations' bookkeeping,
 * no role attributes (superuser, CREATEDB, CREATEROLE, replication, BYPASSRLS), no memberships.
 *
 * Its time limits are properties of the role in this database (`ALTER ROLE … IN DATABASE … SET`),
 * so they hold behind a transaction pooler, where the functions send none (`DB_POOLER=transaction`),
 * and `idle_session_timeout` closes the connections a frozen Lambda container can no longer close.
 *
 * Authentication: with a password (the application secret's, sent to the server as a SCRAM
 * verifier, never in clear) or, without one, IAM (`GRANT rds_iam`, RDS's role for IAM tokens).
 */
import { logger, type Sequelize, type Transaction } from '@lambdas/shared';
import { ENV_SCHEMA } from '@lambdas/shared/env';
import { API_STATEMENT_TIMEOUT_MS, serverTimeLimits } from '@lambdas/shared/db';
import { MIGRATIONS_TABLE } from '../storage';
import { scramSha256Verifier } from './scramVerifier';

/**
 * How long the server keeps an application connection that sits idle outside a transaction. A
 * Lambda container frozen between invocations cannot run its pool's idle timer, so without this its
 * connections hold server slots for as long as the container lives (up to hours); docs/scale.md has
 * the figures behind the value: the shortest above the API functions' timeouts (15 s), so the server
 * only ever ends the sessions of containers between invocations. A container that wakes after it
 * gets a new connection (its dead one is discarded, and a read that met it is retried).
 */
export const APP_ROLE_IDLE_SESSION_TIMEOUT_MS = 20_000;

export interface AppRole {
  /** The role's name (`DB_APP_USER`): what the API functions connect as. */
  readonly user: string;
  /** Its password (from `DB_APP_SECRET_NAME`); none: IAM authentication only. */
  readonly password?: string;
}

export interface AppRoleReport {
  readonly user: string;
  readonly created: boolean;
  readonly auth: 'password' | 'iam';
  /** The settings the role has in this database, as `name=value`. */
  readonly settings: readonly string[];
}

/** The application role cannot be made least-privileged here; the message says what to change. */
export class AppRoleError extends Error {
  override name = 'AppRoleError';
}

const ATTRIBUTES = { rolsuper: 'SUPERUSER', rolcreatedb: 'CREATEDB', rolcreaterole: 'CREATEROLE', rolreplication: 'REPLICATION', rolbypassrls: 'BYPASSRLS' } as const;
/** RDS's role for IAM database authentication (absent outside RDS). */
const RDS_IAM = 'rds_iam';

/** The role's settings in this database: the API functions' time limits, and the idle-session limit. */
export function appRoleSettings(serverVersion: number): Record<string, string> {
  const limits = serverTimeLimits(API_STATEMENT_TIMEOUT_MS);
  return {
    statement_timeout: `${limits.statement_timeout}ms`,
    idle_in_transaction_session_timeout: `${limits.idle_in_transaction_session_timeout}ms`,
    // PostgreSQL 14 added idle_session_timeout.
    ...(serverVersion >= 140_000 ? { idle_session_timeout: `${APP_ROLE_IDLE_SESSION_TIMEOUT_MS}ms` } : {}),
  };
}

export async function ensureAppRole(sequelize: Sequelize, transaction: Transaction, role: AppRole): Promise<AppRoleReport> {
  // The one rule for the name: DB_APP_USER's in the functions' environment schema.
  if (!ENV_SCHEMA.DB_APP_USER.safeParse(role.user).success) throw new AppRoleError(`DB_APP_USER must be a plain PostgreSQL identifier (letters, digits, _), got "${role.user}"`);
  const run = async <T = Record<string, unknown>>(sql: string, replacements: Record<string, unknown> = {}): Promise<T[]> =>
    (await sequelize.query(sql, { replacements, transaction, raw: true }))[0] as T[];
  const q = (name: string): string => sequelize.getQueryInterface().quoteIdentifier(name);
  const user = q(role.user);

  const [where] = await run<{ db: string; me: string; version: string }>("SELECT current_database() AS db, current_user AS me, current_setting('server_version_num') AS version");
  if (!where) throw new AppRoleError('The server did not say which database this is');
  if (where.me === role.user) throw new AppRoleError(`DB_APP_USER (${role.user}) must not be the user the migrations run as: that one owns the tables`);
  const database = q(where.db);

  const existing = await run('SELECT 1 FROM pg_roles WHERE rolname = :name', { name: role.user });
  const created = existing.length === 0;
  // CREATE ROLE's defaults are the least: NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT.
  if (created) await run(`CREATE ROLE ${user} LOGIN`);
  else await run(`ALTER ROLE ${user} LOGIN`);

  // A role that already existed (existing mode) must not carry more than it needs.
  const [attributes] = await run<Record<keyof typeof ATTRIBUTES, boolean>>(`SELECT ${Object.keys(ATTRIBUTES).join(', ')} FROM pg_roles WHERE rolname = :name`, { name: role.user });
  const excess = Object.entries(ATTRIBUTES).filter(([column]) => attributes?.[column as keyof typeof ATTRIBUTES]).map(([, keyword]) => keyword);
  if (excess.length > 0) {
    throw new AppRoleError(`Role ${role.user} has ${excess.join(', ')}; the API's role must not. Run ALTER ROLE ${role.user} ${excess.map((k) => `NO${k}`).join(' ')} as an administrator, or choose another DB_APP_USER`);
  }
  const memberships = await run<{ name: string }>(
    'SELECT g.rolname AS name FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE u.rolname = :name AND g.rolname <> :iam',
    { name: role.user, iam: RDS_IAM },
  );
  if (memberships.length > 0) {
    throw new AppRoleError(`Role ${role.user} is a member of ${memberships.map((m) => m.name).join(', ')} and would inherit their rights; REVOKE those, or choose another DB_APP_USER`);
  }

  // Authentication: exactly one way in.
  const iamRole = (await run('SELECT 1 FROM pg_roles WHERE rolname = :iam', { iam: RDS_IAM })).length > 0;
  if (role.password !== undefined) {
    await run(`ALTER ROLE ${user} PASSWORD ${sequelize.escape(scramSha256Verifier(role.password))}`);
    // On RDS a member of rds_iam can no longer log in with a password.
    if (iamRole) await run(`REVOKE ${q(RDS_IAM)} FROM ${user}`);
  } else {
    await run(`ALTER ROLE ${user} PASSWORD NULL`);
    if (iamRole) await run(`GRANT ${q(RDS_IAM)} TO ${user}`);
    else logger.warn('No rds_iam role on this server (not RDS): the application role has no password and cannot log in', { user: role.user });
  }

  const settings = appRoleSettings(Number(where.version));
  for (const [name, value] of Object.entries(settings)) await run(`ALTER ROLE ${user} IN DATABASE ${database} SET ${name} = ${sequelize.escape(value)}`);

  // Data, not structure: the tables' rows and the sequences behind them, now and for tables later
  // migrations create (default privileges of the migrating user); never the bookkeeping.
  await run(`GRANT CONNECT ON DATABASE ${database} TO ${user}`);
  await run(`GRANT USAGE ON SCHEMA public TO ${user}`);
  await run(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${user}`);
  await run(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${user}`);
  await run(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${user}`);
  await run(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${user}`);
  await run(`REVOKE ALL ON ${q(MIGRATIONS_TABLE)} FROM ${user}`);

  // No DDL: CREATE on the schema and TEMPORARY on the database come to every role through PUBLIC
  // (CREATE on public only before PostgreSQL 15). Revoking them from PUBLIC takes the schema's and
  // the database's owner: the migrating user in provisioned mode; docs/deploy.md has the SQL otherwise.
  const [rights] = await run<{ create: boolean; temp: boolean }>(
    `SELECT has_schema_privilege(:name, 'public', 'CREATE') AS "create", has_database_privilege(:name, current_database(), 'TEMP') AS temp`,
    { name: role.user },
  );
  try {
    if (rights?.create) await run(`REVOKE CREATE ON SCHEMA public FROM PUBLIC, ${user}`);
    if (rights?.temp) await run(`REVOKE TEMPORARY ON DATABASE ${database} FROM PUBLIC, ${user}`);
  } catch (error) {
    throw new AppRoleError(
      `Could not take CREATE on schema public / TEMPORARY on the database from PUBLIC (${error instanceof Error ? error.message : String(error)}): run the migrations as the owner of the database and its public schema`,
    );
  }

  const report: AppRoleReport = { user: role.user, created, auth: role.password !== undefined ? 'password' : 'iam', settings: Object.entries(settings).map(([k, v]) => `${k}=${v}`) };
  logger.info('Application role ready', { ...report });
  return report;
}
