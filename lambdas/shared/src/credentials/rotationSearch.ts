/**
 * The credential search after the database rejected the password in use: a pure function of its
 * ports (read a version of the secret, try a connection), so its order, passes and backoff are
 * tested with fakes (test/credentials/rotationSearch.test.ts) and proven against a real,
 * password-checking PostgreSQL and the real SDK (test/db/connection.test.ts).
 */
import { backoffDelay } from '../backoff';
import type { DbCredentials, SecretStage } from './types';

/**
 * Where a working password may be, in order: AWSCURRENT re-read past the cache (the usual case: the
 * secret and the database both changed); AWSPENDING (AWS's rotation function has set the database's
 * password but not yet promoted the secret); AWSPREVIOUS (the secret was updated before the
 * database); and AWSCURRENT once more, because the rotation may have finished while this search ran
 * (AWSPENDING promoted between the first two reads). Each is read only if the ones before it did not
 * work, and a password already tried is not tried again, except by that last read (`recheck`): the
 * database may have moved to it since it was rejected (the secret was updated first and the
 * ALTER ROLE landed mid-search).
 */
export const SEARCH_ORDER: ReadonlyArray<{ readonly stage: SecretStage; readonly recheck?: true }> = [
  { stage: 'AWSCURRENT' },
  { stage: 'AWSPENDING' },
  { stage: 'AWSPREVIOUS' },
  { stage: 'AWSCURRENT', recheck: true },
];

/**
 * How many times one search may go through `SEARCH_ORDER`. It goes round again only when the
 * secret's AWSCURRENT changed while it ran: a rotation (or several, back to back) is in progress and
 * the database may have moved on from every password this pass tried. A pass that saw the secret
 * stand still and found nothing means no version works.
 */
export const MAX_SEARCH_PASSES = 3;

export interface SearchPorts<C> {
  /** A version of the secret, read now (never from a cache); `undefined` when no version has that stage. */
  read(stage: SecretStage): Promise<DbCredentials | undefined>;
  /** Opens a connection with these credentials, or throws the driver's error. */
  connect(credentials: DbCredentials): Promise<C>;
  isAuthFailure(error: unknown): boolean;
  log: { info(message: string, extra: Record<string, unknown>): void; warn(message: string, extra: Record<string, unknown>): void };
  describeError(error: unknown): unknown;
}

export interface SearchResult<C> {
  readonly credentials: DbCredentials;
  readonly connection: C;
  readonly stagesTried: readonly SecretStage[];
  readonly passes: number;
}

/** The search found no password the database accepts. `stagesTried` for the log; `cause` the last rejection. */
export class NoWorkingCredentialsError extends Error {
  override name = 'NoWorkingCredentialsError';
  constructor(
    readonly stagesTried: readonly SecretStage[],
    readonly lastError: unknown,
  ) {
    super('The database rejected every version of the secret', { cause: lastError });
  }
}

/**
 * Finds credentials the database accepts after it rejected `rejected`, connecting with each
 * candidate in turn. Only authentication failures move on to the next candidate; anything else (the
 * database is down) is thrown as is. Throws `NoWorkingCredentialsError` when no version works.
 */
export async function searchCredentials<C>(rejected: DbCredentials, firstError: unknown, ports: SearchPorts<C>): Promise<SearchResult<C>> {
  const stagesTried: SecretStage[] = [];
  let lastError = firstError;
  for (let pass = 1; ; pass += 1) {
    // Per pass: a password rejected in an earlier pass may be the right one now.
    const tried = new Set([rejected.password]);
    const currentReads: string[] = [];
    for (const candidate of SEARCH_ORDER) {
      let credentials: DbCredentials | undefined;
      try {
        credentials = await ports.read(candidate.stage);
      } catch (error) {
        // Secrets Manager failing now (throttled, down, a malformed staged value) ends nothing: the
        // other stages may still hold the password, and if none does the auth error is thrown.
        ports.log.warn('Could not read a version of the secret during the credential search', { error: ports.describeError(error) });
        continue;
      }
      if (credentials && candidate.stage === 'AWSCURRENT') currentReads.push(credentials.password);
      if (!credentials || (tried.has(credentials.password) && !candidate.recheck)) continue;
      tried.add(credentials.password);
      stagesTried.push(candidate.stage);
      try {
        return { credentials, connection: await ports.connect(credentials), stagesTried, passes: pass };
      } catch (error) {
        if (!ports.isAuthFailure(error)) throw error;
        lastError = error;
      }
    }
    const secretMoved = currentReads.length === 2 && currentReads[0] !== currentReads[1];
    if (!secretMoved || pass >= MAX_SEARCH_PASSES) throw new NoWorkingCredentialsError(stagesTried, lastError);
    ports.log.info('The secret changed during the credential search; searching again', { pass });
  }
}

/**
 * After a search that found no working password, new searches wait 1 s, doubling to 60 s. A
 * password no version of the secret holds (or an authentication problem no password fixes: no
 * pg_hba entry, TLS required, a missing role) otherwise costs every new connection of every
 * container four Secrets Manager calls and as many failed handshakes.
 */
export class SearchBackoff {
  static readonly BASE_MS = 1_000;
  static readonly MAX_MS = 60_000;
  private failures = 0;
  private blockedUntil = 0;

  constructor(private readonly now: () => number = Date.now) {}

  /** Whether a new search must not start yet. */
  get blocked(): boolean {
    return this.now() < this.blockedUntil;
  }

  succeeded(): void {
    this.failures = 0;
    this.blockedUntil = 0;
  }

  /** Records a failed search; returns how long new searches now wait. */
  failed(): number {
    this.failures += 1;
    const wait = backoffDelay(this.failures, { baseMs: SearchBackoff.BASE_MS, maxMs: SearchBackoff.MAX_MS });
    this.blockedUntil = this.now() + wait;
    return wait;
  }
}
