/**
 * The `health` function: `GET /health` runs `SELECT 1` and reports the round trip. When the database
 * does not answer it is a 503 that says only that: no host, user, password or driver message.
 */
import { RETRY_AFTER_SECONDS, connectToDatabase, createHttpHandler, databaseStatus, describeError, json, logger, retryRead, type Health, type HealthUnavailable } from '@lambdas/shared';

const UNREACHABLE: HealthUnavailable = {
  status: 'unavailable',
  database: 'unreachable',
  code: 'database_unavailable',
  message: 'The database did not answer',
};

export const handler = createHttpHandler('health', {
  'GET /health': async () => {
    const started = performance.now();
    try {
      // retryRead: a pooled connection that died while the container was frozen costs a retry, not a 503.
      await retryRead(async () => (await connectToDatabase()).query('SELECT 1', { raw: true, logging: false }));
    } catch (error) {
      logger.warn('Health check: database unreachable', { error: describeError(error) });
      return json(503, UNREACHABLE, { 'retry-after': String(RETRY_AFTER_SECONDS) });
    }
    const latencyMs = Math.round((performance.now() - started) * 100) / 100;
    const body: Health = { status: 'ok', database: 'ok', credentialsSource: databaseStatus().credentialsSource ?? 'env', latencyMs };
    return json(200, body);
  },
});
