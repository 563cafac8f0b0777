/**
 * The connection lifecycle: `connectToDatabase()` / `closeDatabase()`, and the credentials every
 * new physical connection uses.
 *
 * - `beforeConnect` (Sequelize's public hook) gives each new connection the container's current
 *   credentials and the connection settings read from the environment (time limits, TLS). With
 *   IAM authentication it also hands each new connection a token young enough (`credentials/iamToken.ts`).
 * - When the database refuses those credentials (a rotation), the connection is retried at once
 *   with what the credential search (`credentials/rotationSearch.ts`) finds. Retrying a connect is
 *   the one thing no public seam allows: it goes through `wrapConnect` in `sequelizeInternals.ts`.
 */
import type { Sequelize } from 'sequelize';
import { credentialsSecretName, getDbCredentials, iamCredentials, readSecretStage } from '../credentials/getDbCredentials';
import { NoWorkingCredentialsError, SearchBackoff, searchCredentials } from '../credentials/rotationSearch';
import { iamTokenSource } from '../credentials/iamToken';
import type { DbCredentials } from '../credentials/types';
import { describeError, logger } from '../logger';
import { isAuthFailure } from './errors';
import { baseDialectOptions, connectionDialectOptions, credentialOptions, retireOpenConnections } from './options';
import { getSequelize } from './sequelize';
import { reopenPools, wrapConnect, type Connect, type ConnectionConfig } from './sequelizeInternals';

interface State {
  /** Credentials of the first fetch in this container (kept in memory only). */
  credentials: DbCredentials | undefined;
  credentialsFetched: boolean;
  /** The first `connectToDatabase()` of the container, shared by concurrent callers. */
  ready: Promise<Sequelize> | undefined;
  /** One credential search at a time: every connection that failed with the same password waits for it. */
  recovery: Promise<unknown> | undefined;
  /** Set by `closeDatabase()`: the pool must be re-initialised before the next use. */
  closed: boolean;
  /** A `closeDatabase()` in progress: `connectToDatabase()` waits for it instead of reusing the closing pool. */
  closing: Promise<void> | undefined;
  refreshes: number;
  backoff: SearchBackoff;
}

const state: State = { credentials: undefined, credentialsFetched: false, ready: undefined, recovery: undefined, closed: false, closing: undefined, refreshes: 0, backoff: new SearchBackoff() };

function applyCredentials(config: ConnectionConfig, credentials: DbCredentials): void {
  Object.assign(config, credentialOptions(credentials));
}

/**
 * The `beforeConnect` hook: current credentials and connection settings on each new connection.
 * The settings are built anew from the instance's own options each time (not merged into the last
 * connection's): one that no longer applies (a time limit once `DB_POOLER=transaction`) is gone.
 */
async function beforeConnect(config: ConnectionConfig): Promise<void> {
  config.dialectOptions = { ...baseDialectOptions(), ...connectionDialectOptions() };
  // An IAM token is only good for 15 minutes: a connection opened later than that in a warm
  // container gets a newer one (the same token while it is young: signing is per token, not per connection).
  if (state.credentials?.source === 'iam') state.credentials = await iamCredentials();
  if (state.credentials) applyCredentials(config, state.credentials);
}

/** A connect with these credentials, on a copy of the config: concurrent connects share Sequelize's config object. */
const connectWith = (connect: Connect, config: ConnectionConfig, credentials: DbCredentials): Promise<unknown> => connect({ ...config, ...credentialOptions(credentials) });

/** Runs the credential search after `rejected` was refused; adopts what it finds. */
async function recover(connect: Connect, config: ConnectionConfig, rejected: DbCredentials, firstError: unknown): Promise<unknown> {
  try {
    const found = await searchCredentials(rejected, firstError, {
      read: readSecretStage,
      connect: (credentials) => connectWith(connect, config, credentials),
      isAuthFailure,
      log: logger,
      describeError,
    });
    state.credentials = found.credentials;
    state.refreshes += 1;
    state.backoff.succeeded();
    logger.info('Database accepted refreshed credentials', { refreshes: state.refreshes, stagesTried: found.stagesTried, passes: found.passes });
    return found.connection;
  } catch (error) {
    if (!(error instanceof NoWorkingCredentialsError)) throw error;
    const wait = state.backoff.failed();
    logger.warn('Database rejected every version of the secret', { stagesTried: error.stagesTried, nextSearchInMs: wait });
    throw error.lastError;
  }
}

/**
 * How many times one new connection may meet a rejected password. Each round either adopts the
 * credentials another connection's search just found, or runs a search of its own; more than one
 * round is needed only when rotations follow each other faster than a search completes.
 */
const MAX_AUTH_ROUNDS = 3;

/**
 * A new physical connection. If the server rejects its credentials (the password was rotated), the
 * secret is searched for a working password at once: no sleep. Connections that fail together
 * share one search; one that failed with a password another has already replaced just retries with
 * the new one (and searches again if that, too, is rejected). Without a secret (development) there
 * is nothing to search, so the error stands; with one, even credentials from the `DB_PASSWORD`
 * fallback are replaced by the search when the server rejects them.
 */
async function connectWithCurrentCredentials(connect: Connect, config: ConnectionConfig): Promise<unknown> {
  // The credentials this attempt uses, fixed here: another connection's search may change the
  // container's (and the shared config) while this one is in flight.
  let used = state.credentials;
  for (let round = 1; ; round += 1) {
    try {
      return await (used ? connectWith(connect, config, used) : connect(config));
    } catch (error) {
      if (used?.source === 'iam' && round === 1 && isAuthFailure(error)) {
        // A token refused (the role's credentials changed under it, a clock skew): sign a new one, once.
        logger.warn('Database rejected the IAM token; signing a new one');
        used = state.credentials = await iamCredentials({ fresh: true });
        continue;
      }
      if (!used || credentialsSecretName() === undefined || !isAuthFailure(error) || round > MAX_AUTH_ROUNDS) throw error;
      logger.warn('Database rejected the cached credentials; re-reading the secret', { round });
      if (state.recovery) await state.recovery.catch(() => undefined);
      const current = state.credentials;
      if (current && current.password !== used.password) {
        used = current;
        continue;
      }
      if (state.backoff.blocked) throw error;
      const recovery = recover(connect, config, used, error);
      state.recovery = recovery;
      try {
        return await recovery;
      } finally {
        if (state.recovery === recovery) state.recovery = undefined;
      }
    }
  }
}

const prepared = new WeakSet<Sequelize>();

function prepare(instance: Sequelize): void {
  if (prepared.has(instance)) return;
  prepared.add(instance);
  instance.addHook('beforeConnect', 'credentials', async (config) => beforeConnect(config as ConnectionConfig));
  wrapConnect(instance, connectWithCurrentCredentials);
}

async function openConnection(instance: Sequelize): Promise<Sequelize> {
  prepare(instance);
  if (state.closed) {
    // Sequelize's AWS Lambda guide: after `close()`, re-create the pools before the next use.
    reopenPools(instance);
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
  state.ready ??= openConnection(getSequelize()).catch((error: unknown) => {
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
      await getSequelize().close();
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

/** Test hook: forget the fetched credentials (and any IAM token) so the next connect fetches again (the pool is not touched). */
export function resetCredentialsForTests(): void {
  iamTokenSource().clear();
  state.credentials = undefined;
  state.credentialsFetched = false;
  state.refreshes = 0;
  state.backoff = new SearchBackoff();
}

/**
 * Retires the pool's connections: none opened so far is handed out again (the pool's `validate`
 * discards each as it comes up, `db/options.ts`). Once one pooled connection has turned out dead,
 * its siblings most likely died of the same cause (a restart, a frozen container's expired flows),
 * and handing each out in turn would fail one request per connection.
 */
export async function discardIdleConnections(): Promise<void> {
  retireOpenConnections();
}
