/**
 * Hot-path reads: one parameterised SELECT on a connection of the shared Sequelize instance's own
 * pool, without Sequelize's query layer. The connection is the same one Sequelize would use (same
 * credentials and rotation handling, same TLS, same `statement_timeout`/`query_timeout`, same pool
 * limits and validation); what is skipped is the per-query work a raw SELECT does not need
 * (a query object, a uuid, hooks, a captured stack, result formatting). `pnpm bench` measured that
 * layer at ≈ 0.04 ms per query, a quarter of the handler's whole overhead over a bare `pg` query
 * (docs/performance.md). Writes keep going through Sequelize transactions (`writeTransaction`).
 */
import type { QueryResult, QueryResultRow } from 'pg';
import { DatabaseError } from 'sequelize';
import { isConnectionFailure } from './dbErrors';
import { connectToDatabase } from './dbHelper';

/** The parts of a pooled `pg.Client` and of Sequelize's connection manager used here. */
interface PooledClient {
  query<R extends QueryResultRow>(sql: string, values: unknown[]): Promise<QueryResult<R>>;
  /** Sequelize's postgres pool discards a connection marked invalid when it is released. */
  _invalid?: boolean;
}
interface ConnectionManager {
  getConnection(options: { type: 'SELECT' }): Promise<PooledClient>;
  releaseConnection(connection: PooledClient): void;
}

/** The server answered with an error for this statement (bad SQL, a constraint, `statement_timeout`). */
function rejectedByServer(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'severity' in error && !isConnectionFailure(error);
}

/**
 * The rows of `sql` with `values` as bind parameters (`$1`, `$2`, … sent apart from the statement).
 * Errors are Sequelize `DatabaseError`s wrapping the driver's, as from `sequelize.query`; a
 * connection that failed is never handed out again.
 */
export async function selectRows<R extends QueryResultRow>(sql: string, values: readonly unknown[] = []): Promise<R[]> {
  const sequelize = await connectToDatabase();
  const manager = sequelize.connectionManager as unknown as ConnectionManager;
  const connection = await manager.getConnection({ type: 'SELECT' });
  try {
    // DB_LOG_SQL: the same logger Sequelize's own queries use (statement text only, never values).
    const { logging: log } = (sequelize as unknown as { options: { logging?: unknown } }).options;
    if (typeof log === 'function') log(sql);
    return (await connection.query<R>(sql, [...values])).rows;
  } catch (error) {
    // Only a statement the server itself rejected leaves the connection known-good. After anything
    // else (a broken socket, pg's client-side `Query read timeout`, which leaves the unanswered query
    // queued on the connection) it is discarded, as Sequelize's own query path does.
    if (!rejectedByServer(error)) connection._invalid = true;
    // Wrapped as Sequelize wraps it (the driver's error as `parent`), so that every database error
    // reaching a handler has one shape. The bind values are not attached: they may be user data.
    throw error instanceof Error ? new DatabaseError(Object.assign(error, { sql })) : error;
  } finally {
    manager.releaseConnection(connection);
  }
}
