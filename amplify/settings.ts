/**
 * Deployment settings: the one module that reads how this backend is deployed. They come from
 * `DEPLOY_*` environment variables of the shell that runs `npx ampx sandbox` / `pnpm synth` (or an
 * Amplify Hosting branch's environment), so no account-specific value is ever committed.
 *
 * These are not the functions' runtime variables (`DB_HOST`, …, see `lambdas/shared/src/config/env.ts`):
 * the backend derives those from these settings. The distinct `DEPLOY_` prefix keeps a developer's
 * local `.env` values from leaking into a deployment by accident.
 */

import { DEFAULT_CORS_ORIGINS, parseCorsOrigins } from '@lambdas/shared/cors';

/** Every setting's variable name, default and meaning. `docs/deploy.md` documents exactly these. */
export const SETTINGS = {
  DEPLOY_DB_MODE: { default: 'provisioned', doc: '`existing` (your database and secret) or `provisioned` (a new VPC + RDS PostgreSQL)' },
  DEPLOY_API_AUTH: { default: 'iam', doc: '`iam` (SigV4-signed requests) or `public` for the routes the manifest marks `iam`; `/health` is always public' },
  DEPLOY_CORS_ORIGINS: {
    default: DEFAULT_CORS_ORIGINS.join(','),
    doc: 'comma-separated origins whose pages may call the API (`https://app.example.com,http://localhost:5173`); `*` allows any, which is safe for SigV4-signed calls (no cookies) but name your front ends in production',
  },
  DEPLOY_DB_HOST: { default: undefined, doc: 'existing: the database host name' },
  DEPLOY_DB_PORT: { default: '5432', doc: 'the database port' },
  DEPLOY_DB_NAME: { default: 'app', doc: 'the database name (existing: required; provisioned: created with this name)' },
  DEPLOY_DB_USER: { default: 'app_admin', doc: 'the database user (existing: required; provisioned: the generated master user)' },
  DEPLOY_DB_SECRET_NAME: { default: undefined, doc: 'existing: the Secrets Manager secret (name, not ARN) holding the password' },
  DEPLOY_DB_SSL: { default: 'true', doc: 'existing: verify-full TLS to the database (`false` only for a database without TLS)' },
  DEPLOY_DB_KMS_KEY_ARN: { default: undefined, doc: 'existing: the customer-managed KMS key encrypting the secret, if any' },
  DEPLOY_DB_SUBNET_IDS: { default: undefined, doc: 'existing: comma-separated subnet ids to run the functions in (with DEPLOY_DB_SECURITY_GROUP_IDS)' },
  DEPLOY_DB_SECURITY_GROUP_IDS: { default: undefined, doc: 'existing: comma-separated security group ids for the functions (with DEPLOY_DB_SUBNET_IDS)' },
  DEPLOY_DB_AUTH: {
    default: 'password',
    doc: 'how the API functions authenticate to the database: `password` (read from the application secret) or `iam` (an IAM token per connection, `rds-db:connect` on exactly their database user; no secret read)',
  },
  DEPLOY_DB_APP_USER: {
    default: undefined,
    doc: 'the least-privileged role the API functions connect as, created by the migrations (provisioned: default `app_user`; existing: unset = the functions connect as DEPLOY_DB_USER)',
  },
  DEPLOY_DB_APP_SECRET_NAME: {
    default: undefined,
    doc: 'existing, with DEPLOY_DB_APP_USER: the secret (name) holding that role\'s password, which the migrations set (required with DEPLOY_DB_AUTH=password; with `iam`, only when a proxy logs in with it)',
  },
  DEPLOY_DB_RESOURCE_ID: {
    default: undefined,
    doc: 'existing, with DEPLOY_DB_AUTH=iam: the resource id the IAM grant names (`db-…` of the instance, `cluster-…` of an Aurora cluster, `prx-…` of an RDS Proxy)',
  },
  DEPLOY_DB_PROXY: {
    default: 'false',
    doc: 'provisioned: `true` puts an RDS Proxy (TLS required) between the API functions and the database (migrate still connects directly); existing: set DEPLOY_DB_HOST to your proxy\'s endpoint instead',
  },
  DEPLOY_DB_POOLER: {
    default: 'none',
    doc: 'existing: `transaction` when DEPLOY_DB_HOST is a transaction pooler (your RDS Proxy, PgBouncer): the functions then send nothing per connection that it would refuse or pin (provisioned: DEPLOY_DB_PROXY sets it)',
  },
  DEPLOY_DB_INSTANCE_TYPE: { default: 't4g.micro', doc: 'provisioned: the RDS instance type' },
  DEPLOY_DB_REMOVAL: { default: undefined, doc: 'provisioned: `destroy` or `snapshot` when the stack is deleted (default: destroy for sandboxes, snapshot otherwise)' },
} as const satisfies Record<string, { default: string | undefined; doc: string }>;

export type SettingName = keyof typeof SETTINGS;
export type SettingsSource = Readonly<Partial<Record<string, string | undefined>>>;

export type ApiAuthSetting = 'iam' | 'public';
export type DbAuthSetting = 'password' | 'iam';
export type RemovalSetting = 'destroy' | 'snapshot';

export interface ApiSettings {
  /** Authorisation of the routes the manifest marks `iam`. */
  readonly protectedRoutesAuth: ApiAuthSetting;
  readonly corsOrigins: readonly string[];
}

export interface FunctionNetwork {
  readonly subnetIds: readonly string[];
  readonly securityGroupIds: readonly string[];
}

/** The least-privileged role the migrations create for the API functions. */
export interface AppUserSettings {
  readonly user: string;
  /** Existing mode: the secret holding its password (provisioned mode generates one). */
  readonly secretName?: string;
}

/**
 * Your database: what the migrations connect to (`host` … `secretName`: the owner's credentials)
 * plus, optionally, the application role the API functions use instead, its key and network.
 */
export interface ExistingDatabaseSettings {
  readonly mode: 'existing';
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly user: string;
  readonly secretName: string;
  readonly ssl: boolean;
  readonly auth: DbAuthSetting;
  /** `transaction`: DEPLOY_DB_HOST is a transaction pooler (every function goes through it). */
  readonly pooler?: 'transaction';
  readonly appUser?: AppUserSettings;
  /** With `auth: 'iam'`: the `db-…`/`cluster-…`/`prx-…` id the `rds-db:connect` grant names. */
  readonly resourceId?: string;
  readonly kmsKeyArn?: string;
  readonly network?: FunctionNetwork;
}

export interface ProvisionedDatabaseSettings {
  readonly mode: 'provisioned';
  readonly port: number;
  readonly name: string;
  /** The master user: the migrations' (and only theirs). */
  readonly user: string;
  /** The role the API functions connect as. */
  readonly appUser: string;
  readonly auth: DbAuthSetting;
  readonly proxy: boolean;
  readonly instanceType: string;
  readonly removal: RemovalSetting;
}

export type DatabaseSettings = ExistingDatabaseSettings | ProvisionedDatabaseSettings;

export interface DeploymentSettings {
  readonly api: ApiSettings;
  readonly database: DatabaseSettings;
}

/** Everything wrong with the settings, one problem per line, so a user fixes them in one go. */
export class SettingsError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid deployment settings (see docs/deploy.md):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'SettingsError';
  }
}

/** Reads and checks values, collecting problems instead of stopping at the first. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly source: SettingsSource) {}

  raw(name: SettingName): string | undefined {
    const value = this.source[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  }

  optional(name: SettingName, pattern?: RegExp, expected?: string): string | undefined {
    const value = this.raw(name) ?? SETTINGS[name].default;
    if (value !== undefined && pattern && !pattern.test(value)) {
      this.problems.push(`${name} must be ${expected ?? pattern.source}, got "${value}"`);
    }
    return value;
  }

  required(name: SettingName, why: string, pattern?: RegExp, expected?: string): string {
    const value = this.optional(name, pattern, expected);
    if (value === undefined) this.problems.push(`${name} is required ${why}`);
    return value ?? '';
  }

  oneOf<T extends string>(name: SettingName, allowed: readonly T[], fallback?: T): T {
    const value = this.raw(name) ?? SETTINGS[name].default ?? fallback;
    if (value !== undefined && (allowed as readonly string[]).includes(value)) return value as T;
    this.problems.push(`${name} must be one of ${allowed.join(', ')}, got "${value ?? ''}"`);
    return allowed[0] as T;
  }

  port(name: SettingName): number {
    const value = this.optional(name) ?? '';
    const port = Number(value);
    if (!/^\d+$/.test(value) || port < 1 || port > 65535) this.problems.push(`${name} must be a port number (1-65535), got "${value}"`);
    return port;
  }

  list(name: SettingName, pattern: RegExp, expected: string): string[] | undefined {
    const value = this.raw(name);
    if (value === undefined) return undefined;
    const items = value.split(',').map((item) => item.trim()).filter((item) => item.length > 0);
    for (const item of items) if (!pattern.test(item)) this.problems.push(`${name}: "${item}" is not ${expected}`);
    return items;
  }
}

const SUBNET_ID = /^subnet-[0-9a-f]{8,17}$/;
const SECURITY_GROUP_ID = /^sg-[0-9a-f]{8,17}$/;
const KMS_KEY_ARN = /^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:key\/[0-9a-f-]{36}$/;
// Secrets Manager's own character set for names; an ARN would make the `-??????` grant wrong.
const SECRET_NAME = /^[A-Za-z0-9/_+=.@-]{1,512}$/;
// PostgreSQL identifiers RDS accepts for the database and master user names.
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]{0,62}$/;
const RDS_RESOURCE_ID = /^(db|cluster|prx)-[A-Za-z0-9]+$/;
const DEFAULT_APP_USER = 'app_user';

function readNetwork(read: Reader): FunctionNetwork | undefined {
  const subnetIds = read.list('DEPLOY_DB_SUBNET_IDS', SUBNET_ID, 'a subnet id (subnet-…)');
  const securityGroupIds = read.list('DEPLOY_DB_SECURITY_GROUP_IDS', SECURITY_GROUP_ID, 'a security group id (sg-…)');
  if (subnetIds === undefined && securityGroupIds === undefined) return undefined;
  if (!subnetIds?.length || !securityGroupIds?.length) {
    read.problems.push('DEPLOY_DB_SUBNET_IDS and DEPLOY_DB_SECURITY_GROUP_IDS must be set together (a function in a VPC needs both)');
    return undefined;
  }
  return { subnetIds, securityGroupIds };
}

function readExistingAppUser(read: Reader, auth: DbAuthSetting, owner: string): AppUserSettings | undefined {
  const user = read.optional('DEPLOY_DB_APP_USER', IDENTIFIER, 'a PostgreSQL identifier');
  const secretName = read.optional('DEPLOY_DB_APP_SECRET_NAME', SECRET_NAME, 'a secret name (not an ARN)');
  if (user === undefined) {
    if (secretName !== undefined) read.problems.push('DEPLOY_DB_APP_SECRET_NAME needs DEPLOY_DB_APP_USER (the role whose password it holds)');
    return undefined;
  }
  if (user === owner) read.problems.push('DEPLOY_DB_APP_USER must differ from DEPLOY_DB_USER (the migrations\' user, which owns the tables)');
  if (secretName === undefined && auth === 'password') read.problems.push('DEPLOY_DB_APP_SECRET_NAME is required with DEPLOY_DB_APP_USER and DEPLOY_DB_AUTH=password (the API functions read that role\'s password from it)');
  return { user, ...(secretName !== undefined ? { secretName } : {}) };
}

function readExisting(read: Reader, auth: DbAuthSetting): ExistingDatabaseSettings {
  const why = 'when DEPLOY_DB_MODE=existing';
  const kmsKeyArn = read.optional('DEPLOY_DB_KMS_KEY_ARN', KMS_KEY_ARN, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<uuid>)');
  const network = readNetwork(read);
  const user = read.optional('DEPLOY_DB_USER', IDENTIFIER, 'a PostgreSQL identifier') ?? '';
  const ssl = read.oneOf('DEPLOY_DB_SSL', ['true', 'false']) === 'true';
  const appUser = readExistingAppUser(read, auth, user);
  const resourceId = read.optional('DEPLOY_DB_RESOURCE_ID', RDS_RESOURCE_ID, 'an RDS resource id (db-…, cluster-… or prx-…)');
  if (auth === 'iam') {
    if (appUser === undefined) read.problems.push('DEPLOY_DB_AUTH=iam needs DEPLOY_DB_APP_USER in existing mode: the migrations log in as DEPLOY_DB_USER with its password, which RDS refuses to a member of rds_iam');
    if (resourceId === undefined) read.problems.push('DEPLOY_DB_RESOURCE_ID is required with DEPLOY_DB_MODE=existing and DEPLOY_DB_AUTH=iam (the rds-db:connect grant names it)');
    if (!ssl) read.problems.push('DEPLOY_DB_AUTH=iam needs DEPLOY_DB_SSL=true (RDS accepts IAM tokens over TLS only)');
  } else if (resourceId !== undefined) read.problems.push('DEPLOY_DB_RESOURCE_ID only applies to DEPLOY_DB_AUTH=iam');
  const pooler = read.oneOf('DEPLOY_DB_POOLER', ['none', 'transaction']);
  if (read.raw('DEPLOY_DB_PROXY') !== undefined) {
    read.problems.push('DEPLOY_DB_PROXY only applies to DEPLOY_DB_MODE=provisioned; with your own database, set DEPLOY_DB_HOST to your RDS Proxy\'s endpoint (docs/deploy.md#rds-proxy)');
  }
  return {
    mode: 'existing',
    host: read.required('DEPLOY_DB_HOST', why),
    port: read.port('DEPLOY_DB_PORT'),
    name: read.optional('DEPLOY_DB_NAME', IDENTIFIER, 'a PostgreSQL identifier') ?? '',
    user,
    secretName: read.required('DEPLOY_DB_SECRET_NAME', why, SECRET_NAME, 'a secret name (not an ARN)'),
    ssl,
    auth,
    ...(pooler === 'transaction' ? { pooler } : {}),
    ...(appUser !== undefined ? { appUser } : {}),
    ...(resourceId !== undefined ? { resourceId } : {}),
    ...(kmsKeyArn !== undefined ? { kmsKeyArn } : {}),
    ...(network !== undefined ? { network } : {}),
  };
}

function readProvisioned(read: Reader, auth: DbAuthSetting, backendType: string | undefined): ProvisionedDatabaseSettings {
  for (const name of ['DEPLOY_DB_HOST', 'DEPLOY_DB_SECRET_NAME', 'DEPLOY_DB_SUBNET_IDS', 'DEPLOY_DB_SECURITY_GROUP_IDS', 'DEPLOY_DB_KMS_KEY_ARN', 'DEPLOY_DB_APP_SECRET_NAME', 'DEPLOY_DB_RESOURCE_ID', 'DEPLOY_DB_POOLER'] as const) {
    if (read.raw(name) !== undefined) read.problems.push(`${name} only applies to DEPLOY_DB_MODE=existing (the mode is provisioned)`);
  }
  const user = read.optional('DEPLOY_DB_USER', IDENTIFIER, 'a PostgreSQL identifier') ?? '';
  const appUser = read.optional('DEPLOY_DB_APP_USER', IDENTIFIER, 'a PostgreSQL identifier') ?? DEFAULT_APP_USER;
  if (appUser === user) read.problems.push('DEPLOY_DB_APP_USER must differ from DEPLOY_DB_USER (the master user, which only the migrations use)');
  return {
    mode: 'provisioned',
    port: read.port('DEPLOY_DB_PORT'),
    name: read.optional('DEPLOY_DB_NAME', IDENTIFIER, 'a PostgreSQL identifier') ?? '',
    user,
    appUser,
    auth,
    proxy: read.oneOf('DEPLOY_DB_PROXY', ['false', 'true']) === 'true',
    instanceType: read.optional('DEPLOY_DB_INSTANCE_TYPE', /^[a-z0-9]+\.[a-z0-9]+$/, 'an instance type such as t4g.micro') ?? '',
    // A sandbox is disposable; a branch deployment keeps a final snapshot unless told otherwise.
    removal: read.oneOf<RemovalSetting>('DEPLOY_DB_REMOVAL', ['destroy', 'snapshot'], backendType === 'sandbox' ? 'destroy' : 'snapshot'),
  };
}

/**
 * The deployment settings from `source` (the process environment by default). `backendType` is the
 * Amplify deployment type (`sandbox` or `branch`), which picks the database removal default.
 * Throws a `SettingsError` listing every problem.
 */
export function readSettings(source: SettingsSource = process.env, backendType?: string): DeploymentSettings {
  const read = new Reader(source);
  const mode = read.oneOf('DEPLOY_DB_MODE', ['provisioned', 'existing']);
  const auth = read.oneOf<DbAuthSetting>('DEPLOY_DB_AUTH', ['password', 'iam']);
  const database = mode === 'existing' ? readExisting(read, auth) : readProvisioned(read, auth, backendType);
  const cors = parseCorsOrigins(read.raw('DEPLOY_CORS_ORIGINS') ?? SETTINGS.DEPLOY_CORS_ORIGINS.default, 'DEPLOY_CORS_ORIGINS');
  read.problems.push(...cors.problems);
  const corsOrigins = cors.origins;
  const api: ApiSettings = { protectedRoutesAuth: read.oneOf<ApiAuthSetting>('DEPLOY_API_AUTH', ['iam', 'public']), corsOrigins };
  if (read.problems.length > 0) throw new SettingsError(read.problems);
  return { api, database };
}
