import {
  BatchGetSecretValueCommand,
  GetSecretValueCommand,
  type SecretsManagerClient,
  type SecretValueEntry,
} from '@aws-sdk/client-secrets-manager';
import { describeError, logger as sharedLogger } from '../logger';
import { SecretCache } from './cache';
import { secretsManagerClient } from './client';
import type { ConnectionOptions } from './connectionOptions';
import { toDbType, type DbType } from './dbTypes';
import { MissingRegionError, MissingSecretKeyError, SecretManagerError, SecretPreloadError, SecretsManagerRequestError } from './errors';
import { parseSecretString } from './parseSecret';
import { regionFrom } from './region';

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
  /** Where the region comes from. Default: the process environment, in `REGION_VARIABLES` order. */
  resolveRegion?: () => string | undefined;
  clientForRegion?: (region: string) => SecretsManagerClient;
  logger?: LoggerLike;
  now?: () => number;
  random?: () => number;
}

/** BatchGetSecretValue accepts at most 20 ids a call. */
const BATCH_SIZE = 20;
/** Errors meaning "this caller may not use BatchGetSecretValue": fall back to one call per secret. */
const BATCH_REFUSED = new Set(['AccessDeniedException', 'UnrecognizedClientException', 'UnknownOperationException', 'InvalidRequestException']);

export const DEFAULT_SECRET_TTL_SECONDS = 300;

const defaultRegion = (): string | undefined => regionFrom((name) => process.env[name]);

/**
 * Connection credentials from AWS Secrets Manager for several database types (the TypeScript form
 * of the seed's `AwsSecretManager`). Results are cached under `{DBTYPE}_{secretName}`.
 */
export class SecretManager {
  private readonly cache: SecretCache<ConnectionOptions>;
  private readonly resolveRegion: () => string | undefined;
  private readonly clientForRegion: (region: string) => SecretsManagerClient;
  private readonly log: LoggerLike;

  constructor(options: SecretManagerOptions = {}) {
    this.resolveRegion = options.resolveRegion ?? defaultRegion;
    this.clientForRegion = options.clientForRegion ?? secretsManagerClient;
    this.log = options.logger ?? sharedLogger;
    this.cache = new SecretCache<ConnectionOptions>({
      ttlMs: (options.ttlSeconds ?? DEFAULT_SECRET_TTL_SECONDS) * 1_000,
      jitterRatio: options.jitterRatio ?? 0.1,
      now: options.now,
      random: options.random,
      onStale: (key, error, retryInMs) =>
        this.log.warn('Secrets Manager refresh failed; serving the cached value', { cacheKey: key, error: describeError(error), retryInMs }),
    });
  }

  static cacheKey(dbType: string, secretName: string): string {
    return `${toDbType(dbType)}_${secretName}`;
  }

  /** Connection options for one secret: from the cache when fresh, else fetched (once, however many callers). */
  async getValueForSecret(info: SecretInfo, options: { forceRefresh?: boolean } = {}): Promise<ConnectionOptions> {
    const { dbType, secretName } = checkInfo(info);
    const region = this.resolveRegion();
    if (!region) throw new MissingRegionError();
    return this.cache.get(SecretManager.cacheKey(dbType, secretName), () => this.fetchOne(dbType, region, secretName), options);
  }

  /**
   * One version stage of a secret (`AWSPENDING`, `AWSPREVIOUS`), fetched now and not cached: these
   * only matter while a rotation is in progress, when the database may already (or still) accept a
   * password that AWSCURRENT does not hold. `undefined` when no version carries that stage.
   */
  async getValueForSecretStage(info: SecretInfo, versionStage: 'AWSPENDING' | 'AWSPREVIOUS'): Promise<ConnectionOptions | undefined> {
    const { dbType, secretName } = checkInfo(info);
    const region = this.resolveRegion();
    if (!region) throw new MissingRegionError();
    this.log.debug('GetSecretValue', { secretName, dbType, versionStage });
    let raw: string | undefined;
    try {
      raw = (await this.clientForRegion(region).send(new GetSecretValueCommand({ SecretId: secretName, VersionStage: versionStage }))).SecretString;
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
      throw new SecretsManagerRequestError(secretName, error);
    }
    return parseSecretString(secretName, dbType, raw);
  }

  /**
   * Fetches one secret now (bypassing a fresh cached value), parses it and caches it. Concurrent
   * calls for the same key still share one request.
   */
  async extractValueForSecret(dbType: string, region: string, secretName: string): Promise<ConnectionOptions> {
    const type = toDbType(dbType);
    if (!region) throw new MissingRegionError();
    return this.cache.get(SecretManager.cacheKey(type, secretName), () => this.fetchOne(type, region, secretName), { forceRefresh: true });
  }

  /**
   * Preloads a list of secrets into the cache with BatchGetSecretValue (20 a call, chunks in
   * parallel), falling back to one GetSecretValue per secret where the batch call is refused.
   * Entries already fresh in the cache are not fetched again. Throws `SecretPreloadError` naming
   * every secret that could not be loaded; the others stay cached.
   */
  async initializeSecretConnections(secrets: readonly SecretInfo[], region: string): Promise<void> {
    if (!region) throw new MissingRegionError();
    const entries = secrets.map((info, index) => ({ ...checkInfo(info, index), index }));
    const pending = entries.filter((e) => this.cache.peekFresh(SecretManager.cacheKey(e.dbType, e.secretName)) === undefined);
    const names = [...new Set(pending.map((e) => e.secretName))];

    const rawByName = new Map<string, Promise<string | undefined>>();
    for (let start = 0; start < names.length; start += BATCH_SIZE) {
      const chunk = names.slice(start, start + BATCH_SIZE);
      const batch = this.fetchBatch(region, chunk);
      for (const name of chunk) {
        const raw = batch.then((values) => values(name));
        // An entry whose key is already loading joins that load and never awaits this promise.
        raw.catch(() => undefined);
        rawByName.set(name, raw);
      }
    }

    const results = await Promise.allSettled(
      pending.map((e) =>
        this.cache.get(
          SecretManager.cacheKey(e.dbType, e.secretName),
          async () => parseSecretString(e.secretName, e.dbType, await (rawByName.get(e.secretName) as Promise<string | undefined>)),
          { forceRefresh: true },
        ),
      ),
    );
    const failures = results.flatMap((result, i) => {
      const entry = pending[i];
      if (result.status === 'fulfilled' || !entry) return [];
      const error = result.reason instanceof Error ? result.reason : new SecretManagerError(String(result.reason));
      return [{ secretName: entry.secretName, dbType: entry.dbType, error }];
    });
    if (failures.length > 0) throw new SecretPreloadError(failures);
  }

  /** Forget one cached secret: its next read fetches. */
  invalidate(dbType: string, secretName: string): void {
    this.cache.invalidate(SecretManager.cacheKey(dbType, secretName));
  }

  /** Forget every cached secret. */
  clear(): void {
    this.cache.clear();
  }

  private async fetchOne(dbType: DbType, region: string, secretName: string): Promise<ConnectionOptions> {
    this.log.debug('GetSecretValue', { secretName, dbType });
    const raw = await this.getSecretString(region, secretName);
    return parseSecretString(secretName, dbType, raw);
  }

  private async getSecretString(region: string, secretName: string): Promise<string | undefined> {
    try {
      const response = await this.clientForRegion(region).send(new GetSecretValueCommand({ SecretId: secretName }));
      return response.SecretString;
    } catch (error) {
      throw new SecretsManagerRequestError(secretName, error);
    }
  }

  /**
   * One BatchGetSecretValue call for up to 20 names. Resolves to a lookup that yields each secret's
   * string or throws that secret's own error; a refused batch falls back to single calls.
   */
  private async fetchBatch(region: string, names: string[]): Promise<(name: string) => Promise<string | undefined>> {
    this.log.debug('BatchGetSecretValue', { count: names.length });
    let values: SecretValueEntry[];
    let errors: Map<string, string>;
    try {
      const response = await this.clientForRegion(region).send(new BatchGetSecretValueCommand({ SecretIdList: names }));
      values = response.SecretValues ?? [];
      errors = new Map((response.Errors ?? []).map((e) => [e.SecretId ?? '', e.ErrorCode ?? 'UnknownError']));
    } catch (error) {
      if (!(error instanceof Error) || !BATCH_REFUSED.has(error.name)) throw new SecretsManagerRequestError(names.join(', '), error);
      this.log.warn('BatchGetSecretValue refused; loading secrets one by one', { error: error.name, count: names.length });
      return (name) => this.getSecretString(region, name);
    }
    return async (name) => {
      const value = values.find((v) => v.Name === name || v.ARN === name);
      if (value) return value.SecretString;
      const code = errors.get(name) ?? 'ResourceNotFoundException';
      throw new SecretsManagerRequestError(name, Object.assign(new Error(`${code} in BatchGetSecretValue`), { name: code }));
    };
  }
}

function checkInfo(info: SecretInfo, entry?: number): { dbType: DbType; secretName: string } {
  if (typeof info !== 'object' || info === null) throw new MissingSecretKeyError('Secret', entry);
  if (typeof info.Secret !== 'string' || info.Secret.trim() === '') throw new MissingSecretKeyError('Secret', entry);
  if (typeof info.dbType !== 'string' || info.dbType.trim() === '') throw new MissingSecretKeyError('dbType', entry);
  return { dbType: toDbType(info.dbType), secretName: info.Secret };
}
