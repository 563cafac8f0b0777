/**
 * The `pg` driver as Sequelize gets it (`dialectModule`, a public option), with one change: every
 * client listens for 'error' from the moment it exists, and records that it broke.
 *
 * Sequelize attaches its own listener only once `connect()` has resolved, a microtask later. When
 * the server's termination notice (a restart, a failover, `pg_terminate_backend`) arrives in the
 * same packet as its ready-for-query message, pg emits 'error' in between, on a client with no
 * listener: an uncaught exception, which ends the whole Lambda process (seen under load in the
 * rotation test). This listener marks the client broken instead; Sequelize's connect then fails
 * with a connection error (a 503, retried by `retryRead`/`writeTransaction`) and the pool's
 * `validate` (`db/options.ts`) never hands the client out.
 */
import pg from 'pg';

const broken = new WeakSet<object>();

class ListenedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => broken.add(this));
    this.on('end', () => broken.add(this));
  }
}

/**
 * Whether this driver has seen the client fail or its connection end. (A client that is being
 * ended by its owner is pg's `_ending`, which the pool's validate reads through `sequelizeInternals.ts`.)
 */
export function isBroken(client: object): boolean {
  return broken.has(client);
}

/** `pg` itself (types, defaults, …) through its prototype, with `Client` replaced. */
export const pgDriver: typeof pg = Object.create(pg, { Client: { value: ListenedClient, enumerable: true } }) as typeof pg;
