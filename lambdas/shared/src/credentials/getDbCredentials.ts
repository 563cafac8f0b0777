/**
 * Which source the database credentials come from, and reading them:
 *
 * - production (`NODE_ENV=production`) with `DB_SECRET_NAME`: AWS Secrets Manager, through the
 *   container's one cached `SecretManager`; host, port and database from the secret where it holds
 *   them, else from `DB_*`. If Secrets Manager fails, `DB_PASSWORD` when set (with a warning),
 *   otherwise a `CredentialsUnavailableError` naming the secret and the cause;
 * - `DB_AUTH=iam` (any mode): an IAM authentication token signed for `DB_HOST`, `DB_PORT` and
 *   `DB_USER` (`credentials/iamToken.ts`); no secret, no network call;
 * - otherwise: `DB_*` from the environment or `.env`, and no AWS call.
 */
import { env, isProduction } from '../config/variables';
import { EnvVarError } from '../config/errors';
import { describeError, logger } from '../logger';
import { SecretManager, type ConnectionOptions } from '../secrets';
import { CredentialsUnavailableError } from './errors';
import { iamTokenSource, iamTokenTarget } from './iamToken';
import type { DbCredentials, SecretStage } from './types';

let sharedSecretManager: SecretManager | undefined;

/**
 * The container's one SecretManager (its cache is what survives between invocations). Its region
 * is resolved by the provider, once, as the SDK and the CLI read it (`secrets/region.ts`).
 */
export function secretManager(): SecretManager {
  sharedSecretManager ??= new SecretManager({ ttlSeconds: env.SECRETS_CACHE_TTL_SECONDS });
  return sharedSecretManager;
}

/** Test hook: drop the shared SecretManager and its cache. */
export function resetSecretManagerForTests(): void {
  sharedSecretManager = undefined;
}

function credentialsFromEnv(): DbCredentials {
  const password = env.DB_PASSWORD;
  if (password === undefined) throw new EnvVarError('DB_PASSWORD', 'is required but not set');
  return { host: env.DB_HOST, port: env.DB_PORT, database: env.DB_NAME, user: env.DB_USER, password, source: 'env' };
}

function credentialsFromSecret(secret: ConnectionOptions): DbCredentials {
  return {
    host: secret.host ?? env.DB_HOST,
    port: secret.port ?? env.DB_PORT,
    database: secret.database ?? env.DB_NAME,
    user: secret.user,
    password: secret.password,
    source: 'secrets-manager',
  };
}

/** The secret behind the credentials in production, or undefined when credentials come from the environment or IAM. */
export function credentialsSecretName(): string | undefined {
  return isProduction() && env.DB_AUTH === 'password' ? env.DB_SECRET_NAME : undefined;
}

/**
 * IAM authentication: the connection settings from the environment and, as the password, a token
 * no older than `TOKEN_REUSE_MS` (`fresh`: signed now). Each new connection asks again
 * (`db/connection.ts`), so a long-lived container never hands out an expired token.
 */
export async function iamCredentials(options: { fresh?: boolean } = {}): Promise<DbCredentials> {
  const target = await iamTokenTarget();
  const { token } = await iamTokenSource().token(target, options);
  return { host: target.hostname, port: target.port, database: env.DB_NAME, user: target.username, password: token, source: 'iam' };
}

/**
 * The database credentials for this process (see the top of this file for the sources).
 * `forceRefresh` bypasses the cache: used after the database rejected the cached password.
 */
export async function getDbCredentials(options: { forceRefresh?: boolean } = {}): Promise<DbCredentials> {
  if (env.DB_AUTH === 'iam') return iamCredentials({ fresh: options.forceRefresh === true });
  const secretName = credentialsSecretName();
  if (secretName === undefined) return credentialsFromEnv();

  logger.info('Fetching credentials from Secrets Manager', { secretName, forceRefresh: options.forceRefresh === true });
  let secret: ConnectionOptions;
  try {
    secret = await secretManager().getValueForSecret({ dbType: 'POSTGRES', Secret: secretName }, options);
  } catch (error) {
    if (env.DB_PASSWORD !== undefined) {
      logger.warn('Secrets Manager failed; falling back to DB_PASSWORD', { secretName, error: describeError(error) });
      return credentialsFromEnv();
    }
    throw new CredentialsUnavailableError(secretName, { cause: error });
  }
  return credentialsFromSecret(secret);
}

/**
 * Credentials from another version stage of the production secret, for the moments of a rotation
 * when the database accepts the AWSPENDING password (AWS's rotation function has run `setSecret`
 * but not yet `finishSecret`) or still the AWSPREVIOUS one (AWSCURRENT was updated before the
 * database). `undefined` outside production or when the stage does not exist.
 */
export async function getDbCredentialsForStage(versionStage: 'AWSPENDING' | 'AWSPREVIOUS'): Promise<DbCredentials | undefined> {
  const secretName = credentialsSecretName();
  if (secretName === undefined) return undefined;
  logger.info('Fetching credentials from Secrets Manager', { secretName, versionStage });
  const secret = await secretManager().getValueForSecretStage({ dbType: 'POSTGRES', Secret: secretName }, versionStage);
  return secret && credentialsFromSecret(secret);
}

/** A version of the secret read now, past the cache: what the rotation search reads. */
export function readSecretStage(stage: SecretStage): Promise<DbCredentials | undefined> {
  return stage === 'AWSCURRENT' ? getDbCredentials({ forceRefresh: true }) : getDbCredentialsForStage(stage);
}
