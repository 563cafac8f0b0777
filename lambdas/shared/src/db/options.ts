/**
 * How the pool and each connection are configured: pool sizing for Lambda, time limits, TLS, and the
 * Sequelize options every instance shares. Read by `db/sequelize.ts` (the instance),
 * `db/connection.ts` (its `beforeConnect` hook, per connection) and `config/database.ts` (`getDatabaseConfig`).
 */
import { readFileSync } from 'node:fs';
import type { Options, PoolOptions } from 'sequelize';
import { ENV_SCHEMA, env, peekEnv } from '../config/variables';
import type { DbCredentials } from '../credentials/types';
import { logger } from '../logger';
import { isBroken, pgDriver } from './pgDriver';
import { sequelizeConsidersUsable } from './sequelizeInternals';

/**
 * Pool sizing for Lambda, after Sequelize's own AWS Lambda guide
 * (https://sequelize.org/docs/v6/other-topics/aws-lambda/), which recommends
 * `{ max: 2, min: 0, idle: 0, acquire: 3000, evict: <function timeout> }`:
 *
 * - max 1 (the guide's 2): a container serves one invocation at a time, and every statement of a
 *   transaction passes it, so a second connection buys nothing, while with 2 the pool can open
 *   two for one request on a recovery path (sequelize-pool starts a second connect for a waiting
 *   acquire; `test/db/poolRetry.test.ts`) and a container then holds two server slots, starving
 *   others when slots are short (docs/scale.md). One slot per container: 1,000 concurrent
 *   containers, 1,000 server connections (use RDS Proxy beyond the database's limit). In-process
 *   concurrency (`Promise.all`, `pnpm dev` serving several requests) queues on it, up to `acquire`.
 *   A query issued outside an open transaction would wait for that transaction: pass `transaction`.
 * - min 0: nothing is opened until a request needs it.
 * - acquire 3 s: waiting longer for a connection would eat the function's timeout; fail fast, answer 503.
 * - idle 30 s / evict 5 s: unlike the guide's `idle: 0` (close after every invocation), a warm
 *   container keeps its connection across back-to-back invocations, so they skip the TCP + TLS +
 *   SCRAM handshake; a container left idle gives its server slot back after ~30 s of activity-time.
 *   A frozen container cannot run that timer: the application role's `idle_session_timeout` (20 s,
 *   set by the migrations) closes its session on the server instead (docs/scale.md). A connection
 *   killed while the container was frozen raises `error`, which marks it invalid, and the pool's
 *   `validate` then never hands it out again.
 */
export const LAMBDA_POOL: PoolOptions = { max: 1, min: 0, acquire: 3_000, idle: 30_000, evict: 5_000 };

/**
 * The pool's `validate` (a public Sequelize pool option, called before a pooled connection is
 * handed out): a client that reported an error or is ending is never reused (what Sequelize's own
 * postgres check does, through our driver's public marker instead of pg's private flags), and
 * neither is one opened before `discardIdleConnections()` was last called (see `db/connection.ts`).
 */
let generation = 0;
const bornIn = new WeakMap<object, number>();

/** Records the generation a new connection belongs to (the `afterConnect` hook calls it). */
export function stampConnection(connection: object): void {
  bornIn.set(connection, generation);
}

/** Every connection opened so far fails validation: the pool discards each instead of handing it out. */
export function retireOpenConnections(): void {
  generation += 1;
}

export function validateConnection(connection: object): boolean {
  return sequelizeConsidersUsable(connection) && !isBroken(connection) && bornIn.get(connection) === generation;
}

/**
 * Time limits, all below the functions' timeouts, so a hung database produces an error the handler
 * turns into a 503, never a Lambda timeout. The statement timeout is DB_STATEMENT_TIMEOUT_MS
 * (5 s for the API functions; the migrate function, whose DDL may legitimately run long and wait
 * on a concurrent run's lock, gets minutes); the client-side query timeout and the
 * idle-in-transaction limit follow it.
 */
export function dbTimeouts(): {
  connectionTimeoutMillis: number;
  statement_timeout: number;
  query_timeout: number;
  idle_in_transaction_session_timeout: number;
} {
  const statement = env.DB_STATEMENT_TIMEOUT_MS;
  return { connectionTimeoutMillis: 3_000, query_timeout: statement + 1_000, ...serverTimeLimits(statement) };
}

/**
 * The limits the server enforces for a statement timeout of `statementMs` (default: this function's
 * DB_STATEMENT_TIMEOUT_MS): sent as startup parameters on a direct connection, and set on the
 * application role by the migrations (`ALTER ROLE … SET`), which is what applies behind a pooler.
 */
export function serverTimeLimits(statementMs: number = env.DB_STATEMENT_TIMEOUT_MS): { statement_timeout: number; idle_in_transaction_session_timeout: number } {
  return { statement_timeout: statementMs, idle_in_transaction_session_timeout: Math.max(10_000, statementMs + 5_000) };
}

/** The API functions' statement timeout: DB_STATEMENT_TIMEOUT_MS's default, which the backend leaves unset for them. */
export const API_STATEMENT_TIMEOUT_MS: number = ENV_SCHEMA.DB_STATEMENT_TIMEOUT_MS.parse(undefined);

let caCache: { file: string; pem: string } | undefined;

function readCa(file: string): string {
  if (caCache?.file !== file) caCache = { file, pem: readFileSync(file, 'utf8') };
  return caCache.pem;
}

/**
 * TLS settings for pg. Certificates are always verified (`rejectUnauthorized: true`); the CA is
 * DB_SSL_CA_FILE when set (Amazon RDS's global bundle in production), else Node's trust store
 * (which, on Lambda, includes the RDS CAs when NODE_EXTRA_CA_CERTS=/var/runtime/ca-cert.pem).
 */
export function sslOptions(): { rejectUnauthorized: true; ca?: string } | undefined {
  if (!env.DB_SSL) return undefined;
  const caFile = env.DB_SSL_CA_FILE;
  return caFile === undefined ? { rejectUnauthorized: true } : { rejectUnauthorized: true, ca: readCa(caFile) };
}

/**
 * The connection settings that come from the environment (time limits, TLS). They are read when a
 * connection is opened, not at import, so a malformed DB_SSL or a missing CA file fails that
 * connection with a named error (a 503 the logs explain) instead of every invocation's init.
 *
 * Behind a transaction pooler (`DB_POOLER=transaction`) the server-side limits are not sent as
 * startup parameters, which PgBouncer refuses ("unsupported startup parameter") and RDS Proxy pins
 * on: they belong to the database role there (docs/deploy.md). The client-side limits stay.
 */
export function connectionDialectOptions(): Record<string, unknown> {
  const ssl = sslOptions();
  const { statement_timeout, idle_in_transaction_session_timeout, ...clientSide } = dbTimeouts();
  const serverSide = env.DB_POOLER === 'transaction' ? {} : { statement_timeout, idle_in_transaction_session_timeout };
  return { ...clientSide, ...serverSide, ...(ssl ? { ssl } : {}) };
}

/**
 * The driver settings every connection starts from (`beforeConnect` adds the environment's). No `SET`
 * when a connection opens: Sequelize would send `SET client_min_messages` on each new one, session
 * state that stays on a pooler's server connection for the next client (and pins it in RDS Proxy).
 */
export function baseDialectOptions(): Record<string, unknown> {
  return { keepAlive: true, application_name: process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'lambdas', clientMinMessages: 'ignore' };
}

/**
 * Everything in the Sequelize options except the credentials and the environment-dependent
 * connection settings: one definition shared by the instance of `db/sequelize.ts` (which must build
 * with no valid configuration) and by `getDatabaseConfig()`.
 */
export function baseSequelizeOptions(): Options {
  // `databaseVersion` and `keepDefaultTimezone` are real Sequelize options that its typings omit.
  const options: Options & { databaseVersion: string; keepDefaultTimezone: boolean } = {
    dialect: 'postgres',
    // Hand Sequelize the imported driver: a bundled Lambda has no node_modules for it to `require('pg')` from.
    // (`pgDriver` is pg with an 'error' listener on every client from its construction: see pgDriver.ts.)
    dialectModule: pgDriver,
    pool: { ...LAMBDA_POOL, validate: validateConnection },
    // Every connection records the generation it was opened in, for `validateConnection`: on every
    // instance built from these options (the shared one, and `getDatabaseConfig()`'s).
    hooks: { afterConnect: (connection: unknown) => stampConnection(connection as object) },
    dialectOptions: baseDialectOptions(),
    // No `SET TIME ZONE` per connection either (see `baseDialectOptions`): timestamps are
    // `timestamptz`, read and written with their offset, so the session's time zone changes nothing.
    keepDefaultTimezone: true,
    // SQL logging is off: Sequelize inlines values into the statements it logs. (Read at import; a
    // malformed DB_LOG_SQL leaves it off rather than failing the function's init.)
    logging: peekEnv('DB_LOG_SQL') === true ? (sql: string) => logger.debug('SQL', { sql }) : false,
    logQueryParameters: false,
    benchmark: false,
    // Without a known version Sequelize opens an extra connection on first use just to read it:
    // one more handshake on every cold start. Any supported PostgreSQL (>= 13) behaves the same here.
    databaseVersion: '13.0.0',
    define: { underscored: true },
  };
  return options;
}

/** The credential fields of the Sequelize options: the one place `user` is called `username`. */
export function credentialOptions(credentials: DbCredentials): Pick<Options, 'host' | 'port' | 'database' | 'username' | 'password'> {
  return { host: credentials.host, port: credentials.port, database: credentials.database, username: credentials.user, password: credentials.password };
}
