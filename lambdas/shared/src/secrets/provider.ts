/**
 * The caching policy of the secrets layer, in the spirit of Powertools for AWS Lambda's
 * `BaseProvider`: a subclass only fetches (`fetch`, `fetchMany`); this class decides when to. A value
 * is cached under a key of the caller's choosing (the facade's `{DBTYPE}_{secretName}`), after the
 * caller's `transform` (parsing), for the TTL of `cache.ts` with its jitter, shared in-flight loads
 * and stale-while-erroring. A read of another version stage than AWSCURRENT is never cached: those
 * only matter while a rotation is in progress.
 */
import { SecretCache } from './cache';

export interface ProviderOptions {
  /** Milliseconds a fetched value is trusted. */
  ttlMs: number;
  jitterRatio?: number;
  now?: () => number;
  random?: () => number;
  onStale?: (key: string, error: unknown, retryInMs: number) => void;
}

export interface GetOptions<T> {
  /** Fetch even if a fresh value is cached (the cached one is known to be bad). */
  forceFetch?: boolean;
  /** A version stage other than the current one: fetched now, never cached. */
  stage?: string;
  /** The cache key (default: the id). */
  cacheKey?: string;
  /**
   * Parses the raw value; what is cached is its result. `undefined`: the version has no
   * SecretString (a binary secret); `null`: no version has the requested `stage`.
   */
  transform: (raw: string | undefined | null) => T;
  /** The region to call, when not the provider's default. */
  region?: string;
  /** Added to the request's debug log line (names, never values). */
  logDetail?: Record<string, unknown>;
}

/** A value fetched by `fetchMany`, or the reason this one id could not be. */
export type Fetched = (id: string) => Promise<string | undefined>;

export interface ManyEntry<T> {
  readonly id: string;
  readonly cacheKey: string;
  readonly transform: (raw: string | undefined) => T;
}

export abstract class BaseProvider {
  private readonly cache: SecretCache<unknown>;

  protected constructor(options: ProviderOptions) {
    this.cache = new SecretCache<unknown>({ ...options, ttlMs: options.ttlMs });
  }

  /**
   * Fetch one value now. `stage` unset means the current version. `undefined` when the version
   * holds no string; `null` when no version has that stage.
   */
  protected abstract fetch(id: string, options: { stage?: string; region?: string; logDetail?: Record<string, unknown> }): Promise<string | undefined | null>;

  /** Fetch several values now, as efficiently as the backend allows. */
  protected abstract fetchMany(ids: readonly string[], region?: string): Promise<Fetched>;

  async get<T>(id: string, options: GetOptions<T>): Promise<T> {
    const fetch = async (): Promise<T> => options.transform(await this.fetch(id, { stage: options.stage, region: options.region, logDetail: options.logDetail }));
    if (options.stage !== undefined) return fetch();
    return this.cache.get(options.cacheKey ?? id, fetch, { forceRefresh: options.forceFetch }) as Promise<T>;
  }

  /**
   * Loads every entry not fresh in the cache with one `fetchMany`, caching each success. Resolves
   * to the entries that failed, each with its error; the others are cached.
   */
  async getMany<T>(entries: ReadonlyArray<ManyEntry<T>>, region?: string): Promise<Array<{ entry: ManyEntry<T>; error: unknown }>> {
    const pending = entries.filter((entry) => this.cache.peekFresh(entry.cacheKey) === undefined);
    const ids = [...new Set(pending.map((entry) => entry.id))];
    const fetched = ids.length > 0 ? this.fetchMany(ids, region) : undefined;
    // An entry whose key is already loading joins that load and never awaits this promise.
    fetched?.catch(() => undefined);
    const results = await Promise.allSettled(
      pending.map((entry) => this.cache.get(entry.cacheKey, async () => entry.transform(await (await (fetched as Promise<Fetched>))(entry.id)), { forceRefresh: true })),
    );
    return results.flatMap((result, i) => (result.status === 'rejected' && pending[i] ? [{ entry: pending[i], error: result.reason as unknown }] : []));
  }

  /** Forget one cached value: its next read fetches. */
  invalidate(cacheKey: string): void {
    this.cache.invalidate(cacheKey);
  }

  clear(): void {
    this.cache.clear();
  }
}
