/**
 * The `pg` driver as Sequelize gets it (`dialectModule`), with one change: every client has an
 * 'error' listener from the moment it exists.
 *
 * Sequelize attaches its own listener only once `connect()` has resolved, a microtask later. When
 * the server's termination notice (a restart, a failover, `pg_terminate_backend`) arrives in the
 * same packet as its ready-for-query message, pg emits 'error' in between, on a client with no
 * listener: an uncaught exception, which ends the whole Lambda process (seen under load in the
 * rotation test). This listener marks the client invalid instead; Sequelize's connect then fails
 * with a connection error (a 503, retried by `retryRead`/`writeTransaction`) and the pool never
 * hands the client out.
 */
import pg from 'pg';

class ListenedClient extends pg.Client {
  constructor(config?: string | pg.ClientConfig) {
    super(config);
    this.on('error', () => {
      (this as { _invalid?: boolean })._invalid = true;
    });
  }
}

/** `pg` itself (types, defaults, …) through its prototype, with `Client` replaced. */
export const pgDriver: typeof pg = Object.create(pg, { Client: { value: ListenedClient, enumerable: true } }) as typeof pg;
