import type { Sequelize } from 'sequelize';
import { describeError, logger } from '../logger';
import { sequelize as sharedSequelize } from '../models';
import { isAuthFailure } from './dbErrors';
import { connectionDialectOptions, credentialOptions } from './database';
import { credentialsSecretName, getDbCredentials, getDbCredentialsForStage, type DbCredentials } from './env';

/**
 * The parts of Sequelize's connection manager this module relies on beyond the public typings:
 * `connect(config)` opens one physical connection from the pool's `create`, with the config object
 * the pool shares. Wrapping it is the one place where every new connection, at any time in the
 * container's life, can be given current credentials and retried after a rotation.
 */
interface ConnectionConfig {
  dialectOptions?: Record<string, unknown>;
  host?: string;
  port?: number | string;
  database?: string;
  username?: string;
  password?: string;
}
interface InternalConnectionManager {
  connect(config: ConnectionConfig): Promise<unknown>;
  initPools(): void;
}

interface State {
  /** Credentials of the first fetch in this container (kept in memory only). */
  credentials: DbCredentials | undefined;
  credentialsFetched: boolean;
  /** The first `connectToDatabase()` of the container, shared by concurrent callers. */
  ready: Promise<Sequelize> | undefined;
  /** One recovery at a time: every connection that failed with the same password waits for it. */
  recovery: Promise<unknown> | undefined;
  /** Set by `closeDatabase()`: the pool must be re-initialised before the next use. */
  closed: boolean;
  /** A `closeDatabase()` in progress: `connectToDatabase()` waits for it instead of reusing the closing pool. */
  closing: Promise<void> | undefined;
  refreshes: number;
  /** Searches that found no working password in a row, and until when no new search starts. */
  failedSearches: number;
  searchBlockedUntil: number;
}

const state: State = {
  credentials: undefined,
  credentialsFetched: false,
  ready: undefined,
  recovery: undefined,
  closed: false,
  closing: undefined,
  refreshes: 0,
  failedSearches: 0,
  searchBlockedUntil: 0,
};

/**
 * After a search that found no working password, new searches wait 1 s, doubling to 60 s. A
 * password no version of the secret holds (or an authentication problem no password fixes:
 * no pg_hba entry, TLS required, a missing role) otherwise costs every new connection of every
 * container four Secrets Manager calls and as many failed handshakes.
 */
const SEARCH_BACKOFF_BASE_MS = 1_000;
const SEARCH_BACKOFF_MAX_MS = 60_000;
const wrapped = new WeakSet<object>();

function applyCredentials(config: ConnectionConfig, credentials: DbCredentials): void {
  Object.assign(config, credentialOptions(credentials));
}

/** Time limits and TLS, read from the environment for each new connection (see `connectionDialectOptions`). */
function applyConnectionSettings(config: ConnectionConfig): void {
  config.dialectOptions = { ...config.dialectOptions, ...connectionDialectOptions() };
}

type Connect = (config: ConnectionConfig) => Promise<unknown>;

/**
 * Where a working password may be, in order, once the database rejected the one in use:
 * AWSCURRENT re-read past the cache (the usual case: the secret and the database both changed);
 * AWSPENDING (AWS's rotation function has set the database's password but not yet promoted the
 * secret); AWSPREVIOUS (the secret was updated before the database); and AWSCURRENT once more,
 * because the rotation may have finished while this search ran (AWSPENDING promoted between the
 * first two reads). Each is fetched only if the ones before it did not work, and a password
 * already tried is not tried again, except by that last read: the database may have moved to it
 * since it was rejected (the secret was updated first and the ALTER ROLE landed mid-search).
 */
interface Candidate {
  /** For the logs: which version of the secret this is. */
  stage: 'AWSCURRENT' | 'AWSPENDING' | 'AWSPREVIOUS';
  read: () => Promise<DbCredentials | undefined>;
  /** Try the password even if this search has already seen it rejected. */
  recheck?: boolean;
}
const CANDIDATES: readonly Candidate[] = [
  { stage: 'AWSCURRENT', read: () => getDbCredentials({ forceRefresh: true }) },
  { stage: 'AWSPENDING', read: () => getDbCredentialsForStage('AWSPENDING') },
  { stage: 'AWSPREVIOUS', read: () => getDbCredentialsForStage('AWSPREVIOUS') },
  { stage: 'AWSCURRENT', read: () => getDbCredentials({ forceRefresh: true }), recheck: true },
];

/**
 * How many times one search may go through the candidates. It goes round again only when the
 * secret's AWSCURRENT changed while it ran: a rotation (or several, back to back) is in progress and
 * the database may have moved on from every password this pass tried. A pass that saw the secret
 * stand still and found nothing means no version works: the search ends and backs off.
 */
const MAX_SEARCH_PASSES = 3;

/**
 * Finds credentials the server accepts after it rejected `failed`, connecting with each candidate
 * in turn; the first that connects becomes the container's credentials. Only authentication
 * failures move on to the next candidate; anything else (the database is down) is thrown as is.
 */
async function recover(connect: Connect, config: ConnectionConfig, failed: DbCredentials, firstError: unknown): Promise<unknown> {
  const attempted: string[] = [];
  let lastError = firstError;
  for (let pass = 1; ; pass += 1) {
    // Per pass: a password rejected in an earlier pass may be the right one now.
    const tried = new Set([failed.password]);
    const currentReads: string[] = [];
    for (const candidate of CANDIDATES) {
      let credentials: DbCredentials | undefined;
      try {
        credentials = await candidate.read();
      } catch (error) {
        // Secrets Manager failing now (throttled, down, a malformed staged value) ends nothing: the
        // other stages may still hold the password, and if none does the auth error below is thrown.
        logger.warn('Could not read a version of the secret during the credential search', { error: describeError(error) });
        continue;
      }
      if (credentials && candidate.stage === 'AWSCURRENT') currentReads.push(credentials.password);
      if (!credentials || (tried.has(credentials.password) && !candidate.recheck)) continue;
      tried.add(credentials.password);
      attempted.push(candidate.stage);
      applyCredentials(config, credentials);
      try {
        const connection = await connect(config);
        state.credentials = credentials;
        state.refreshes += 1;
        state.failedSearches = 0;
        state.searchBlockedUntil = 0;
        logger.info('Database accepted refreshed credentials', { refreshes: state.refreshes, stagesTried: attempted, passes: pass });
        return connection;
      } catch (error) {
        if (!isAuthFailure(error)) throw error;
        lastError = error;
      }
    }
    const secretMoved = currentReads.length === 2 && currentReads[0] !== currentReads[1];
    if (!secretMoved || pass >= MAX_SEARCH_PASSES) break;
    logger.info('The secret changed during the credential search; searching again', { pass });
  }
  state.failedSearches += 1;
  const wait = Math.min(SEARCH_BACKOFF_MAX_MS, SEARCH_BACKOFF_BASE_MS * 2 ** (state.failedSearches - 1));
  state.searchBlockedUntil = Date.now() + wait;
  logger.warn('Database rejected every version of the secret', { stagesTried: attempted, nextSearchInMs: wait });
  throw lastError;
}

/**
 * How many times one new connection may meet a rejected password. Each round either adopts the
 * credentials another connection's search just found, or runs a search of its own; more than one
 * round is needed only when rotations follow each other faster than a search completes.
 */
const MAX_AUTH_ROUNDS = 3;

/**
 * Every new physical connection uses the credentials currently known. If the server rejects them
 * (the password was rotated), the secret is searched for a working password at once: no sleep.
 * Connections that fail together share one search; one that failed with a password another has
 * already replaced just retries with the new one (and searches again if that, too, is rejected).
 * Without a secret (development) there is nothing to search, so the error stands; with one, even
 * credentials from the `DB_PASSWORD` fallback are replaced by the search when the server rejects them.
 */
function installCredentialedConnect(instance: Sequelize): void {
  const manager = instance.connectionManager as unknown as InternalConnectionManager;
  if (wrapped.has(manager)) return;
  wrapped.add(manager);
  const connect: Connect = manager.connect.bind(manager);
  manager.connect = async (config) => {
    applyConnectionSettings(config);
    let used = state.credentials;
    for (let round = 1; ; round += 1) {
      if (used) applyCredentials(config, used);
      try {
        return await connect(config);
      } catch (error) {
        if (!used || credentialsSecretName() === undefined || !isAuthFailure(error) || round > MAX_AUTH_ROUNDS) throw error;
        logger.warn('Database rejected the cached credentials; re-reading the secret', { round });
        if (state.recovery) await state.recovery.catch(() => undefined);
        const current = state.credentials;
        if (current && current.password !== used.password) {
          used = current;
          continue;
        }
        if (Date.now() < state.searchBlockedUntil) throw error;
        const recovery = recover(connect, config, used, error);
        state.recovery = recovery;
        try {
          return await recovery;
        } finally {
          if (state.recovery === recovery) state.recovery = undefined;
        }
      }
    }
  };
}

async function openConnection(instance: Sequelize): Promise<Sequelize> {
  installCredentialedConnect(instance);
  if (state.closed) {
    // Sequelize's Lambda guide: after `close()`, re-create the pools and restore `getConnection`
    // (close() replaces it with a function that throws).
    const manager = instance.connectionManager as unknown as InternalConnectionManager & Record<string, unknown>;
    manager.initPools();
    if (Object.hasOwn(manager, 'getConnection')) delete manager.getConnection;
    state.closed = false;
  }
  const fetched = !state.credentials;
  state.credentials ??= await getDbCredentials();
  state.credentialsFetched = true;
  // The shared config is what the pool clones per connection; keep it in step for code that reads it.
  applyCredentials(instance.config as ConnectionConfig, state.credentials);
  try {
    await instance.authenticate({ logging: false });
  } catch (error) {
    // Credentials that never opened a connection are not kept: the next invocation fetches again
    // (from the secret cache, or Secrets Manager once a fallback or a failure has passed).
    if (fetched) state.credentials = undefined;
    throw error;
  }
  logger.debug('Database connection ready', { source: state.credentials.source });
  return instance;
}

/**
 * The container's database, ready to query. The first call fetches credentials (in production from
 * Secrets Manager), applies them, and authenticates; concurrent first calls share that work. Later
 * calls return at once: no Secrets Manager call and no handshake (the pool reconnects by itself, with
 * the same credentials, when a connection is gone). A failed first call is forgotten, so the next
 * invocation tries again.
 */
export function connectToDatabase(): Promise<Sequelize> {
  if (state.closing) return state.closing.then(connectToDatabase);
  state.ready ??= openConnection(sharedSequelize).catch((error: unknown) => {
    state.ready = undefined;
    throw error;
  });
  return state.ready;
}

/** Closes the pool (tests, scripts, the local server's shutdown). The next `connectToDatabase()` reopens it. */
export async function closeDatabase(): Promise<void> {
  state.closing ??= (async () => {
    const pending = state.ready;
    state.ready = undefined;
    await pending?.catch(() => undefined);
    if (!state.closed) {
      state.closed = true;
      await sharedSequelize.close();
    }
  })().finally(() => {
    state.closing = undefined;
  });
  return state.closing;
}

/** Whether this container has fetched its credentials, where from, and how often it re-read them. */
export function databaseStatus(): { credentialsFetched: boolean; credentialsSource: DbCredentials['source'] | undefined; refreshes: number } {
  return { credentialsFetched: state.credentialsFetched, credentialsSource: state.credentials?.source, refreshes: state.refreshes };
}

/** Test hook: forget the fetched credentials so the next connect fetches again (the pool is not touched). */
export function resetCredentialsForTests(): void {
  state.credentials = undefined;
  state.credentialsFetched = false;
  state.refreshes = 0;
  state.failedSearches = 0;
  state.searchBlockedUntil = 0;
}

/**
 * Closes the pool's idle connections. Once one pooled connection has turned out dead, its idle
 * siblings most likely died of the same cause (a restart, a frozen container's expired flows), and
 * handing each out in turn would fail one request per connection.
 */
export async function discardIdleConnections(): Promise<void> {
  const pool = (sharedSequelize.connectionManager as unknown as { pool?: { destroyAllNow?: () => Promise<void> } }).pool;
  await pool?.destroyAllNow?.().catch(() => undefined);
}
