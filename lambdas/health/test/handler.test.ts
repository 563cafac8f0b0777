import { capturedLogs, logMark } from '../../../testing/logCapture';
import { freePort } from '../../../tools/localPostgres';
import type { HttpResult } from '@lambdas/shared';
import { apiEvent, parseBody, reconnectFromEnv, testContext, useMigratedDatabase } from '../../shared/test/support/httpApi';
import { handler } from '../src/handler';

const database = useMigratedDatabase();

const check = (): Promise<HttpResult> => handler(apiEvent('GET', '/health'), testContext('health'));

describe('GET /health', () => {
  it('answers 200 after a real SELECT 1, naming where the credentials came from', async () => {
    const result = await check();
    expect(result.statusCode).toBe(200);
    expect(result.headers?.['content-type']).toBe('application/json; charset=utf-8');
    expect(parseBody(result)).toEqual({ status: 'ok', database: 'ok', credentialsSource: 'env', latencyMs: expect.any(Number) });
  });

  it('answers 503 database unreachable when the database does not answer, revealing nothing about it', async () => {
    const db = database();
    process.env.DB_PORT = String(await freePort());
    await reconnectFromEnv();
    try {
      const mark = logMark();
      const result = await check();
      expect(result.statusCode).toBe(503);
      expect(parseBody(result)).toEqual({
        status: 'unavailable',
        database: 'unreachable',
        error: { code: 'database_unavailable', message: 'The database did not answer' },
      });
      for (const secret of [db.host, process.env.DB_PORT, db.user, db.password, db.database, 'ECONNREFUSED']) expect(result.body).not.toContain(secret);
      expect(capturedLogs(mark)).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'WARN', message: 'Health check: database unreachable' })]));
    } finally {
      db.applyEnv();
      await reconnectFromEnv();
    }
    expect((await check()).statusCode).toBe(200);
  });

  it('answers 200, not a 503, when the pooled connection died while the container was frozen', async () => {
    expect((await check()).statusCode).toBe(200);
    // As a database restart or an idle timeout would: every idle session of the pool is gone.
    const admin = await database().admin();
    const killed = await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND state = 'idle'`, [
      database().database,
    ]);
    expect(killed.rowCount).toBeGreaterThan(0);
    const mark = logMark();
    expect((await check()).statusCode).toBe(200);
    expect(capturedLogs(mark)).toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.stringContaining('retrying on a fresh connection') })]));
  });

  it('answers 405 with Allow: GET for another method on /health', async () => {
    const result = await handler(apiEvent('POST', '/health', { routeKey: '$default', body: {} }), testContext('health'));
    expect(result.statusCode).toBe(405);
    expect(result.headers?.allow).toBe('GET');
    expect(parseBody(result)).toMatchObject({ error: { code: 'method_not_allowed' } });
  });
});
