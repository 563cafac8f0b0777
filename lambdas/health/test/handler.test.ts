import { capturedLogs, logMark } from '../../../testing/logCapture';
import { freePort } from '../../../tools/localPostgres';
import { TcpProxy } from '../../../tools/tcpProxy';
import type { HttpResult } from '@lambdas/shared';
import { apiEvent, parseBody, reconnectFromEnv, testContext, useMigratedDatabase } from '../../../testing/httpApi';
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
      expect(result.headers?.['retry-after']).toBe('1');
      expect(parseBody(result)).toEqual({
        status: 'unavailable',
        database: 'unreachable',
        code: 'database_unavailable',
        message: 'The database did not answer',
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
    const db = database();
    // A loopback proxy between the pool and PostgreSQL lets the connection die silently (a NAT or
    // idle timeout during a freeze): the client learns of it only on its next use.
    const proxy = await new TcpProxy(db.host, db.port).start();
    process.env.DB_PORT = String(proxy.port);
    await reconnectFromEnv();
    try {
      expect((await check()).statusCode).toBe(200);
      proxy.poisonOpenConnections();
      const mark = logMark();
      expect((await check()).statusCode).toBe(200);
      expect(capturedLogs(mark)).toEqual(expect.arrayContaining([expect.objectContaining({ message: expect.stringContaining('retrying on a fresh connection') })]));
    } finally {
      db.applyEnv();
      await reconnectFromEnv();
      await proxy.stop();
    }
  });

  it('answers 405 with Allow: GET for another method on /health', async () => {
    const result = await handler(apiEvent('POST', '/health', { routeKey: '$default', body: {} }), testContext('health'));
    expect(result.statusCode).toBe(405);
    expect(result.headers?.allow).toBe('GET');
    expect(parseBody(result)).toMatchObject({ code: 'method_not_allowed' });
  });
});
