/**
 * The secret cache: a TTL per entry (jittered so that a fleet of containers started together does
 * not refresh in lockstep), one in-flight load per key shared by concurrent callers, and
 * stale-while-erroring: when a refresh fails and a value is cached, the old value keeps being
 * served and the next attempt waits a bounded, exponentially growing delay — as AWS's own caching
 * clients do — instead of every request hammering a failing service.
 */
import { backoffDelay } from '../backoff';

export interface CacheOptions {
  ttlMs: number;
  /** The TTL is shortened by a random fraction up to this ratio (0 disables jitter). */
  jitterRatio?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  now?: () => number;
  random?: () => number;
  /** Told each time a stale value is served because a refresh failed. */
  onStale?: (key: string, error: unknown, retryInMs: number) => void;
}

interface Entry<V> {
  value?: V;
  expiresAt: number;
  inFlight?: Promise<V>;
  failures: number;
  retryAt: number;
}

export interface GetOptions {
  /** Load even if a fresh value is cached (used after the database rejected the cached password). */
  forceRefresh?: boolean;
}

export class SecretCache<V> {
  private readonly entries = new Map<string, Entry<V>>();
  private readonly now: () => number;
  private readonly random: () => number;

  constructor(private readonly options: CacheOptions) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /** A cached value that has not expired, without loading anything. */
  peekFresh(key: string): V | undefined {
    const entry = this.entries.get(key);
    return entry?.value !== undefined && this.now() < entry.expiresAt ? entry.value : undefined;
  }

  get(key: string, load: () => Promise<V>, options: GetOptions = {}): Promise<V> {
    const entry = this.entries.get(key) ?? { expiresAt: 0, failures: 0, retryAt: 0 };
    this.entries.set(key, entry);
    const now = this.now();
    const cached = entry.value;
    if (!options.forceRefresh && cached !== undefined && now < entry.expiresAt) return Promise.resolve(cached);
    if (entry.inFlight) return entry.inFlight;
    if (!options.forceRefresh && cached !== undefined && now < entry.retryAt) return Promise.resolve(cached);

    const inFlight = load().then(
      (value) => {
        entry.value = value;
        entry.expiresAt = this.now() + this.jitteredTtl();
        entry.failures = 0;
        entry.retryAt = 0;
        return value;
      },
      (error: unknown) => {
        // A forced refresh means the cached value is known to be bad: never fall back to it.
        if (options.forceRefresh || entry.value === undefined) throw error;
        entry.failures += 1;
        const delay = this.backoff(entry.failures);
        entry.retryAt = this.now() + delay;
        this.options.onStale?.(key, error, delay);
        return entry.value;
      },
    );
    entry.inFlight = inFlight;
    // Clear the slot whatever happens; the caller still sees the rejection through `inFlight`.
    inFlight.then(
      () => this.settle(key, entry, inFlight),
      () => this.settle(key, entry, inFlight),
    );
    return inFlight;
  }

  /** Drop one key (its next `get` loads). */
  invalidate(key: string): void {
    this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  private settle(key: string, entry: Entry<V>, inFlight: Promise<V>): void {
    if (entry.inFlight === inFlight) entry.inFlight = undefined;
    // A key whose first load failed keeps no empty entry behind (the map stays bounded by successes).
    if (entry.value === undefined && !entry.inFlight && this.entries.get(key) === entry) this.entries.delete(key);
  }

  private jitteredTtl(): number {
    const ratio = this.options.jitterRatio ?? 0.1;
    return this.options.ttlMs * (1 - ratio * this.random());
  }

  private backoff(failures: number): number {
    // Jitter on the upper half keeps retries from many containers apart.
    return backoffDelay(failures, { baseMs: this.options.backoffBaseMs ?? 1_000, maxMs: this.options.backoffMaxMs ?? 60_000, random: this.random });
  }
}
