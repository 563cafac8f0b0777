/**
 * The seed's multi-database secret manager (`AwsSecretManager`), in TypeScript idiom: a thin facade
 * over `SecretsProvider` that names secrets by `{ dbType, Secret }`, parses them for that database
 * type (`parseSecret.ts`) and caches the result under `{DBTYPE}_{secretName}`.
 */
import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { describeError, logger as sharedLogger } from '../logger';
import type { ConnectionOptions } from './connectionOptions';
import { toDbType, type DbType } from './dbTypes';
import { MissingRegionError, MissingSecretKeyError, SecretManagerError, SecretPreloadError } from './errors';
import { parseSecretString } from './parseSecret';
import { SecretsProvider } from './secretsProvider';

/** The seed's `secret_info`: which secret, for which database type. */
export interface SecretInfo {
  readonly dbType?: string;
  readonly Secret?: string;
}

interface LoggerLike {
  debug(message: string, extra: Record<string, unknown>): void;
  warn(message: string, extra: Record<string, unknown>): void;
}

export interface SecretManagerOptions {
  /** Seconds a fetched secret is trusted. Default 300 (5 min); see docs/architecture.md. */
  ttlSeconds?: number;
  /** Fraction by which each TTL is randomly shortened (default 0.1). */
  jitterRatio?: number;
  /** Where the default region comes from. Default: the process environment, in `REGION_VARIABLES` order. */
  resolveRegion?: () => string | undefined;
  clientForRegion?: (region: string) => SecretsManagerClient;
  logger?: LoggerLike;
  now?: () => number;
  random?: () => number;
}

export const DEFAULT_SECRET_TTL_SECONDS = 300;

export class SecretManager {
  private readonly provider: SecretsProvider;

  constructor(options: SecretManagerOptions = {}) {
    const log = options.logger ?? sharedLogger;
    this.provider = new SecretsProvider({
      ttlMs: (options.ttlSeconds ?? DEFAULT_SECRET_TTL_SECONDS) * 1_000,
      jitterRatio: options.jitterRatio ?? 0.1,
      now: options.now,
      random: options.random,
      resolveRegion: options.resolveRegion,
      clientForRegion: options.clientForRegion,
      onStale: (key, error, retryInMs) => log.warn('Secrets Manager refresh failed; serving the cached value', { cacheKey: key, error: describeError(error), retryInMs }),
      onBatchRefused: (error, count) => log.warn('BatchGetSecretValue refused; loading secrets one by one', { error, count }),
      onRequest: (operation, detail) => log.debug(operation, detail),
    });
  }

  static cacheKey(dbType: string, secretName: string): string {
    return `${toDbType(dbType)}_${secretName}`;
  }

  /** Connection options for one secret: from the cache when fresh, else fetched (once, however many callers). */
  async getValueForSecret(info: SecretInfo, options: { forceRefresh?: boolean } = {}): Promise<ConnectionOptions> {
    const { dbType, secretName } = checkInfo(info);
    return this.provider.get(secretName, { cacheKey: SecretManager.cacheKey(dbType, secretName), transform: parser(secretName, dbType), forceFetch: options.forceRefresh, logDetail: { dbType } });
  }

  /**
   * One version stage of a secret (`AWSPENDING`, `AWSPREVIOUS`), fetched now and not cached: these
   * only matter while a rotation is in progress, when the database may already (or still) accept a
   * password that AWSCURRENT does not hold. `undefined` when no version carries that stage.
   */
  async getValueForSecretStage(info: SecretInfo, versionStage: 'AWSPENDING' | 'AWSPREVIOUS'): Promise<ConnectionOptions | undefined> {
    const { dbType, secretName } = checkInfo(info);
    const parse = parser(secretName, dbType);
    return this.provider.get(secretName, { stage: versionStage, transform: (raw) => (raw === null ? undefined : parse(raw)), logDetail: { dbType } });
  }

  /**
   * Fetches one secret now (bypassing a fresh cached value) in `region`, parses it and caches it.
   * Concurrent calls for the same key still share one request.
   */
  async extractValueForSecret(dbType: string, region: string, secretName: string): Promise<ConnectionOptions> {
    const type = toDbType(dbType);
    return this.provider.get(secretName, { cacheKey: SecretManager.cacheKey(type, secretName), transform: parser(secretName, type), forceFetch: true, region: explicitRegion(region), logDetail: { dbType: type } });
  }

  /**
   * Preloads a list of secrets into the cache with BatchGetSecretValue (20 a call, chunks in
   * parallel), falling back to one GetSecretValue per secret where the batch call is refused.
   * Entries already fresh in the cache are not fetched again. Throws `SecretPreloadError` naming
   * every secret that could not be loaded; the others stay cached.
   */
  async initializeSecretConnections(secrets: readonly SecretInfo[], region: string): Promise<void> {
    const inRegion = explicitRegion(region);
    const entries = secrets.map((info, index) => {
      const { dbType, secretName } = checkInfo(info, index);
      return { id: secretName, dbType, cacheKey: SecretManager.cacheKey(dbType, secretName), transform: parser(secretName, dbType) };
    });
    const failed = await this.provider.getMany(entries, inRegion);
    if (failed.length === 0) return;
    throw new SecretPreloadError(
      failed.map(({ entry, error }) => ({
        secretName: entry.id,
        dbType: (entry as (typeof entries)[number]).dbType,
        error: error instanceof Error ? error : new SecretManagerError(String(error)),
      })),
    );
  }

  /** Forget one cached secret: its next read fetches. */
  invalidate(dbType: string, secretName: string): void {
    this.provider.invalidate(SecretManager.cacheKey(dbType, secretName));
  }

  /** Forget every cached secret. */
  clear(): void {
    this.provider.clear();
  }
}

const parser = (secretName: string, dbType: DbType) => (raw: string | undefined | null): ConnectionOptions => parseSecretString(secretName, dbType, raw ?? undefined);

/** The seed's methods take the region as an argument: an empty one is the same error as none configured. */
function explicitRegion(region: string): string {
  if (!region) throw new MissingRegionError();
  return region;
}

function checkInfo(info: SecretInfo, entry?: number): { dbType: DbType; secretName: string } {
  if (typeof info !== 'object' || info === null) throw new MissingSecretKeyError('Secret', entry);
  if (typeof info.Secret !== 'string' || info.Secret.trim() === '') throw new MissingSecretKeyError('Secret', entry);
  if (typeof info.dbType !== 'string' || info.dbType.trim() === '') throw new MissingSecretKeyError('dbType', entry);
  return { dbType: toDbType(info.dbType), secretName: info.Secret };
}
