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
import type { DatabaseConnection } from './functions/environment';

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
  DEPLOY_DB_INSTANCE_TYPE: { default: 't4g.micro', doc: 'provisioned: the RDS instance type' },
  DEPLOY_DB_REMOVAL: { default: undefined, doc: 'provisioned: `destroy` or `snapshot` when the stack is deleted (default: destroy for sandboxes, snapshot otherwise)' },
} as const satisfies Record<string, { default: string | undefined; doc: string }>;

export type SettingName = keyof typeof SETTINGS;
export type SettingsSource = Readonly<Partial<Record<string, string | undefined>>>;

export type ApiAuthSetting = 'iam' | 'public';
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

/** Your database: what the functions connect to (`DatabaseConnection`) plus its key and network. */
export interface ExistingDatabaseSettings extends DatabaseConnection {
  readonly mode: 'existing';
  readonly kmsKeyArn?: string;
  readonly network?: FunctionNetwork;
}

export interface ProvisionedDatabaseSettings {
  readonly mode: 'provisioned';
  readonly port: number;
  readonly name: string;
  readonly user: string;
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

function readExisting(read: Reader): ExistingDatabaseSettings {
  const why = 'when DEPLOY_DB_MODE=existing';
  const kmsKeyArn = read.optional('DEPLOY_DB_KMS_KEY_ARN', KMS_KEY_ARN, 'a KMS key ARN (arn:aws:kms:<region>:<account>:key/<uuid>)');
  const network = readNetwork(read);
  return {
    mode: 'existing',
    host: read.required('DEPLOY_DB_HOST', why),
    port: read.port('DEPLOY_DB_PORT'),
    name: read.optional('DEPLOY_DB_NAME', IDENTIFIER, 'a PostgreSQL identifier') ?? '',
    user: read.optional('DEPLOY_DB_USER', IDENTIFIER, 'a PostgreSQL identifier') ?? '',
    secretName: read.required('DEPLOY_DB_SECRET_NAME', why, SECRET_NAME, 'a secret name (not an ARN)'),
    ssl: read.oneOf('DEPLOY_DB_SSL', ['true', 'false']) === 'true',
    ...(kmsKeyArn !== undefined ? { kmsKeyArn } : {}),
    ...(network !== undefined ? { network } : {}),
  };
}

function readProvisioned(read: Reader, backendType: string | undefined): ProvisionedDatabaseSettings {
  for (const name of ['DEPLOY_DB_HOST', 'DEPLOY_DB_SECRET_NAME', 'DEPLOY_DB_SUBNET_IDS', 'DEPLOY_DB_SECURITY_GROUP_IDS', 'DEPLOY_DB_KMS_KEY_ARN'] as const) {
    if (read.raw(name) !== undefined) read.problems.push(`${name} only applies to DEPLOY_DB_MODE=existing (the mode is provisioned)`);
  }
  return {
    mode: 'provisioned',
    port: read.port('DEPLOY_DB_PORT'),
    name: read.optional('DEPLOY_DB_NAME', IDENTIFIER, 'a PostgreSQL identifier') ?? '',
    user: read.optional('DEPLOY_DB_USER', IDENTIFIER, 'a PostgreSQL identifier') ?? '',
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
  const database = mode === 'existing' ? readExisting(read) : readProvisioned(read, backendType);
  const cors = parseCorsOrigins(read.raw('DEPLOY_CORS_ORIGINS') ?? SETTINGS.DEPLOY_CORS_ORIGINS.default, 'DEPLOY_CORS_ORIGINS');
  read.problems.push(...cors.problems);
  const corsOrigins = cors.origins;
  const api: ApiSettings = { protectedRoutesAuth: read.oneOf<ApiAuthSetting>('DEPLOY_API_AUTH', ['iam', 'public']), corsOrigins };
  if (read.problems.length > 0) throw new SettingsError(read.problems);
  return { api, database };
}
