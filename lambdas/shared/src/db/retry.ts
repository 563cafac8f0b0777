import type { Transaction } from 'sequelize';
import { logger } from '../logger';
import { isAuthFailure, isConnectionFailure, isTimeout } from './errors';
import { LAMBDA_POOL } from './options';
import { connectToDatabase, discardIdleConnections } from './connection';

/**
 * A pooled connection can die while nobody uses it: the server restarted, an idle timeout, a
 * rotation that killed sessions, or a NAT forgetting the flow while the Lambda container was
 * frozen. The pool learns of it only when a query on it fails. These helpers then retire the
 * pool's connections (`discardIdleConnections`: none opened before is handed out again, as they
 * likely died of the same cause) and try again at once, where doing so cannot apply a write twice.
 *
 * Attempts: one per pooled connection plus one. A connection in use by another request when the
 * idle ones were discarded can come back to the pool dead a moment later; with at most
 * `LAMBDA_POOL.max` such connections, the last attempt is certain to open a fresh one. When the
 * database is really down every attempt fails fast (refused), so the total stays short.
 * Not retried: authentication failures (the connection wrapper has its own retry for those) and
 * timeouts (a hung database, a full pool): waiting again would only double the wait, and three
 * such waits would outlast a 10 s function timeout.
 */
const ATTEMPTS = (LAMBDA_POOL.max ?? 2) + 1;

function retriable(error: unknown): boolean {
  return isConnectionFailure(error) && !isAuthFailure(error) && !isTimeout(error);
}

/** Runs a read (idempotent: safe to repeat); a dead connection costs an immediate retry. */
export async function retryRead<T>(work: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= ATTEMPTS || !retriable(error)) throw error;
      logger.warn('Database connection failed during a read; retrying on a fresh connection', { attempt });
      await discardIdleConnections();
    }
  }
}

/**
 * Runs writes in one transaction. A connection failure before COMMIT is sent means nothing was
 * committed, so the whole transaction is retried; a failure during COMMIT is ambiguous (it may
 * have committed) and is never retried.
 */
export async function writeTransaction<T>(work: (transaction: Transaction) => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    const sequelize = await connectToDatabase();
    let transaction: Transaction | undefined;
    let committing = false;
    try {
      transaction = await sequelize.transaction();
      const result = await work(transaction);
      committing = true;
      await transaction.commit();
      return result;
    } catch (error) {
      if (transaction && !committing) await transaction.rollback().catch(() => undefined);
      if (committing || attempt >= ATTEMPTS || !retriable(error)) throw error;
      logger.warn('Database connection failed before commit; retrying the transaction on a fresh connection', { attempt });
      await discardIdleConnections();
    }
  }
}
