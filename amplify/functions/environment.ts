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
  /** A name or an ARN: both are valid `SecretId`s for GetSecretValue. */
  readonly secretName: string;
  readonly ssl: boolean;
}

/** Set in `resource.ts`: production mode (Secrets Manager, no `.env`) and the log's service name. */
export function baseEnvironment(functionName: string): RuntimeEnvironment {
  return { NODE_ENV: 'production', POWERTOOLS_SERVICE_NAME: functionName };
}

/**
 * The database variables, set by `backend.ts` once the database (and its tokens) exist. Never a
 * password: the functions fetch it from `DB_SECRET_NAME` at run time.
 */
export function databaseEnvironment(db: DatabaseConnection): RuntimeEnvironment {
  return {
    DB_HOST: db.host,
    DB_PORT: String(db.port),
    DB_NAME: db.name,
    DB_USER: db.user,
    DB_SECRET_NAME: db.secretName,
    DB_SSL: String(db.ssl),
    ...(db.ssl ? { NODE_EXTRA_CA_CERTS: LAMBDA_RDS_CA_BUNDLE } : {}),
  };
}

/** Amplify's `environment` option takes a plain record of strings. */
export function toRecord(environment: RuntimeEnvironment): Record<string, string> {
  return Object.fromEntries(Object.entries(environment).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
