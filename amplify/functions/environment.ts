import type { EnvName } from '@lambdas/shared/env';

/**
 * The functions' runtime environment. Variable names are typed by `EnvName` from the shared
 * `env.ts` (the single source of truth: a renamed or removed variable fails `pnpm typecheck` here).
 * The import is type-only, so synthesis does not load the runtime (zod, the AWS SDK, Powertools).
 *
 * Two names are not the application's but Node's and Powertools': NODE_EXTRA_CA_CERTS and
 * POWERTOOLS_SERVICE_NAME.
 */
export type RuntimeVariable = EnvName | 'NODE_EXTRA_CA_CERTS' | 'POWERTOOLS_SERVICE_NAME';
export type RuntimeEnvironment = Partial<Record<RuntimeVariable, string>>;

/**
 * Lambda's Node.js 20+ runtimes no longer load the Amazon RDS certificate authorities by default;
 * this bundle, shipped in the runtime, holds them. With it, `DB_SSL=true` verifies an RDS server's
 * certificate with Node's own trust store (see `sslOptions()` in the shared `database.ts`).
 */
export const LAMBDA_RDS_CA_BUNDLE = '/var/runtime/ca-cert.pem';

/** What the functions need to reach the database. `host` and `secretName` may be CDK tokens. */
export interface DatabaseConnection {
  readonly host: string;
  readonly port: number;
  readonly name: string;
  readonly user: string;
  /** With password authentication: a name or an ARN (both are valid `SecretId`s for GetSecretValue). */
  readonly secretName?: string;
  readonly ssl: boolean;
  readonly auth: 'password' | 'iam';
  /** Behind a transaction pooler (RDS Proxy): nothing per connection that would pin or be refused. */
  readonly pooler?: 'transaction';
}

/** The application role the migrate function creates, and the secret with its password (none: IAM). */
export interface AppRoleConnection {
  readonly user: string;
  readonly secretName?: string;
}

/** Set in `resource.ts`: production mode (Secrets Manager, no `.env`) and the log's service name. */
export function baseEnvironment(functionName: string): RuntimeEnvironment {
  return { NODE_ENV: 'production', POWERTOOLS_SERVICE_NAME: functionName };
}

/**
 * The database variables, set by `backend.ts` once the database (and its tokens) exist. Never a
 * password: the functions fetch it from `DB_SECRET_NAME` at run time, or sign an IAM token.
 * `appRole` only for the migrate function (`DB_APP_USER`, `DB_APP_SECRET_NAME`).
 */
export function databaseEnvironment(db: DatabaseConnection, appRole?: AppRoleConnection): RuntimeEnvironment {
  return {
    DB_HOST: db.host,
    DB_PORT: String(db.port),
    DB_NAME: db.name,
    DB_USER: db.user,
    DB_AUTH: db.auth,
    ...(db.secretName !== undefined ? { DB_SECRET_NAME: db.secretName } : {}),
    DB_SSL: String(db.ssl),
    ...(db.pooler !== undefined ? { DB_POOLER: db.pooler } : {}),
    ...(db.ssl ? { NODE_EXTRA_CA_CERTS: LAMBDA_RDS_CA_BUNDLE } : {}),
    ...(appRole !== undefined ? { DB_APP_USER: appRole.user, ...(appRole.secretName !== undefined ? { DB_APP_SECRET_NAME: appRole.secretName } : {}) } : {}),
  };
}

/** Amplify's `environment` option takes a plain record of strings. */
export function toRecord(environment: RuntimeEnvironment): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
