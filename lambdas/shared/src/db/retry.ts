import type { Transaction } from 'sequelize';
import { logger } from '../logger';
import { connectToDatabase, discardIdleConnections } from './connection';
import { isAuthFailure, isConnectionFailure, isQueryTimeout, isServerFull, isTimeout } from './errors';
import { remainingInvocationMs } from './invocation';
import { LAMBDA_POOL, dbTimeouts } from './options';

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
 * Not retried: authentication failures (the connection wrapper has its own retry for those),
 * timeouts (a hung database, a full pool): waiting again would only double the wait, and three
 * such waits would outlast a 10 s function timeout; and a server out of connection slots (53300,
 * `isServerFull`): the retry would be refused too, and each refusal costs the server work.
 */
const ATTEMPTS = (LAMBDA_POOL.max ?? 2) + 1;

function retriable(error: unknown): boolean {
  return isConnectionFailure(error) && !isAuthFailure(error) && !isTimeout(error) && !isServerFull(error);
}

/**
 * Whether one more read, on a fresh connection, fits in what is left of the invocation: in the worst
 * case it waits a whole connect timeout and then a whole query timeout. Outside an invocation (a
 * script, a test) there is no deadline to overrun.
 */
function retryFits(): boolean {
  const remaining = remainingInvocationMs();
  if (remaining === undefined) return true;
  const { connectionTimeoutMillis, query_timeout } = dbTimeouts();
  return remaining > connectionTimeoutMillis + query_timeout;
}

/**
 * Runs a read (idempotent: safe to repeat); a dead connection costs an immediate retry.
 *
 * A query that got no answer at all (pg's `Query read timeout`: after a failover or a network
 * partition, a pooled connection can be black-holed, neither answering nor closing) retires every
 * connection the pool opened before it, which most likely share its fate, and is retried once on a
 * fresh connection when the invocation's remaining time still holds a whole connect and query
 * timeout; otherwise it answers 503 now. Connect and pool-acquire timeouts are not retried: a fresh
 * connection is what just failed.
 */
export async function retryRead<T>(work: () => Promise<T>): Promise<T> {
  let timeoutRetried = false;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (isQueryTimeout(error) && !isAuthFailure(error)) {
        await discardIdleConnections();
        if (timeoutRetried || attempt >= ATTEMPTS || !retryFits()) throw error;
        timeoutRetried = true;
        logger.warn('A read got no answer; retrying once on a fresh connection', { attempt, remainingMs: remainingInvocationMs() });
        continue;
      }
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
      // A connection that got no answer: the ones opened before it most likely share its fate.
      if (isQueryTimeout(error)) await discardIdleConnections();
      if (committing || attempt >= ATTEMPTS || !retriable(error)) throw error;
      logger.warn('Database connection failed before commit; retrying the transaction on a fresh connection', { attempt });
      await discardIdleConnections();
    }
  }
}
