/**
 * Outages as the caller sees them, through the real `health` and `todos` handlers: Secrets
 * Manager throttling, failing or slow at a cold start, and the database cut while warm. Each ends
 * in a clear 503 JSON well inside the function timeout, or succeeds thanks to retries; and once the
 * service is back the same process serves 200s again. (testing/logCapture.ts also fails this file
 * on any unhandled promise rejection.)
 */
import { coldStart, restoreEnvironment } from '../../../testing/container';
import { createTestDatabase, type TestDatabase } from '../../../testing/db';
import { assertNoSecretIn, capturedLogs, logMark } from '../../../testing/logCapture';
import { lambdaContext } from '../../../scripts/localApi/apiGatewayEvent';
import { FakeSecretsManager } from '../../../tools/fakeSecretsManager';
import { TcpProxy } from '../../../tools/tcpProxy';
import type { HttpResult } from '@lambdas/shared';
import { handler as health } from '@lambdas/health';
import { apiEvent, testContext } from '../../../testing/httpApi';
import { handler as todos } from '../src/handler';

const fake = new FakeSecretsManager();
const SECRET = 'prod/outage-db';
const ROLE = 'todo_outage';
const PASSWORD = 'Outage-Pw-3k4l5m';
let db: TestDatabase;
let proxy: TcpProxy;

/** A new Lambda container: nothing cached, production settings, the database behind the proxy. */
async function coldContainer(extraEnv: Record<string, string> = {}): Promise<void> {
  await coldStart({ NODE_ENV: 'production', DB_SECRET_NAME: SECRET, DB_NAME: db.database, DB_USER: ROLE, ...extraEnv });
  fake.configureEnvironment();
  fake.calls.length = 0;
  fake.clearFaults();
}

async function call(fn: typeof todos, method: string, path: string): Promise<{ result: HttpResult; ms: number }> {
  const started = Date.now();
  const result = await fn(apiEvent(method, path), testContext('todos'));
  assertNoSecretIn(result.body ?? '', 'a response body');
  return { result, ms: Date.now() - started };
}

function expectUnavailable(result: HttpResult): void {
  expect(result.statusCode).toBe(503);
  expect(result.headers?.['retry-after']).toBe('1');
  expect(result.headers?.['content-type']).toMatch(/^application\/json/);
  const body = JSON.parse(result.body ?? '') as { code?: string };
  expect(body.code).toEqual(expect.any(String));
  expect(result.body).not.toMatch(/at .*\.(ts|js):\d+|SELECT|127\.0\.0\.1|todo_outage/);
}

beforeAll(async () => {
  await fake.start();
  db = await createTestDatabase('AUTH');
  await db.migrate();
  await db.createLoginRole(ROLE, PASSWORD, { tables: true });
  proxy = await new TcpProxy(db.host, db.port).start();
  fake.putSecret(SECRET, { engine: 'postgres', host: '127.0.0.1', port: proxy.port, dbname: db.database, username: ROLE, password: PASSWORD });
});

afterAll(async () => {
  await restoreEnvironment();
  await proxy.stop();
  await db.drop();
  await fake.stop();
});

describe('Secrets Manager at a cold start', () => {
  test('throttled twice: the SDK retries and the request succeeds', async () => {
    await coldContainer();
    fake.inject({ kind: 'throttle', times: 2 });
    const { result } = await call(todos, 'GET', '/todos');
    expect(result.statusCode).toBe(200);
    expect(fake.callCount('GetSecretValue')).toBe(3);
  });

  test('failing (5xx) on every attempt: a 503 within seconds; the next invocation recovers', async () => {
    await coldContainer();
    fake.inject({ kind: 'server-error', times: 100 });
    const first = await call(todos, 'GET', '/todos');
    expectUnavailable(first.result);
    expect(first.ms).toBeLessThan(5_000); // the todos function's timeout is 15 s
    const probe = await call(health, 'GET', '/health');
    expectUnavailable(probe.result);
    fake.clearFaults();
    expect((await call(todos, 'GET', '/todos')).result.statusCode).toBe(200);
    expect((await call(health, 'GET', '/health')).result.statusCode).toBe(200);
  });

  test('slow (one response past the SDK request timeout): that attempt is abandoned, the retry answers', async () => {
    await coldContainer();
    fake.inject({ kind: 'delay', ms: 8_000, times: 1 });
    const { result, ms } = await call(todos, 'GET', '/todos');
    expect(result.statusCode).toBe(200);
    expect(ms).toBeGreaterThanOrEqual(1_900); // the 2 s request timeout, not the 8 s response
    expect(ms).toBeLessThan(4_000);
    expect(fake.callCount('GetSecretValue')).toBe(2);
  });

  test('hung on every attempt: a 503 once the SDK gives up, well inside the function timeout', async () => {
    await coldContainer();
    fake.inject({ kind: 'delay', ms: 30_000, times: 3 });
    const { result, ms } = await call(todos, 'GET', '/todos');
    expectUnavailable(result);
    expect(ms).toBeLessThan(9_000); // 3 attempts x 2 s plus back-off; the todos timeout is 15 s
  }, 20_000);
});

describe('once warm', () => {
  test('a Secrets Manager outage does not touch a warm container: no call is needed', async () => {
    await coldContainer();
    expect((await call(todos, 'GET', '/todos')).result.statusCode).toBe(200);
    fake.inject({ kind: 'server-error', times: 100 });
    for (let i = 0; i < 20; i += 1) expect((await call(todos, 'GET', '/todos')).result.statusCode).toBe(200);
    expect(fake.callCount('GetSecretValue')).toBe(1);
  });

  test('the database cut mid-traffic: fast 503s during the outage, 200s after, same process', async () => {
    await coldContainer();
    expect((await call(todos, 'POST', '/todos')).result.statusCode).toBe(400); // no body: validated before any query
    expect((await call(todos, 'GET', '/todos')).result.statusCode).toBe(200);
    proxy.drop();
    for (const fn of [todos, health]) {
      const { result, ms } = await call(fn, 'GET', fn === todos ? '/todos' : '/health');
      expectUnavailable(result);
      expect(ms).toBeLessThan(1_000);
    }
    proxy.restore();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await call(todos, 'GET', '/todos')).result.statusCode).toBe(200);
    const healthy = (await call(health, 'GET', '/health')).result;
    expect(healthy.statusCode).toBe(200);
    // In production the password came from Secrets Manager, and /health says so.
    expect(JSON.parse(healthy.body ?? '')).toMatchObject({ status: 'ok', database: 'ok', credentialsSource: 'secrets-manager' });
  });

  test('a failover black-holes the pooled connections: the read that meets one is retried on a fresh connection, and every later request succeeds at once', async () => {
    // statement_timeout 300 ms, so pg's client-side query timeout is 1.3 s (db/options.ts).
    await coldContainer({ DB_STATEMENT_TIMEOUT_MS: '300' });
    // Both pool connections open, then the flow on them stops without a close (the old primary is
    // gone); new connections reach the database (the new primary).
    await Promise.all([call(todos, 'GET', '/todos'), call(todos, 'GET', '/todos')]);
    proxy.blackholeOpenConnections();
    const mark = logMark();
    const first = await call(todos, 'GET', '/todos');
    expect(first.result.statusCode).toBe(200);
    expect(first.ms).toBeGreaterThanOrEqual(1_200); // one query timeout…
    expect(first.ms).toBeLessThan(1_300 + 1_500); // …and no second one: the retry ran on a fresh connection
    expect(capturedLogs(mark).filter((line) => line.message === 'A read got no answer; retrying once on a fresh connection')).toHaveLength(1);
    // The other black-holed connection was retired with the first: no request waits for it.
    for (let i = 0; i < 5; i += 1) {
      const later = await call(todos, 'GET', '/todos');
      expect([later.result.statusCode, later.ms < 1_000]).toEqual([200, true]);
    }
  });

  test('a read that gets no answer when no retry fits in the remaining time: a 503 after one wait, not a 500', async () => {
    await coldContainer({ DB_STATEMENT_TIMEOUT_MS: '300' });
    expect((await call(todos, 'GET', '/todos')).result.statusCode).toBe(200);
    proxy.blackholeOpenConnections();
    // 3 s left: after the 1.3 s wait, a retry's worst case (3 s connect + 1.3 s query) would not fit.
    const started = Date.now();
    const result = await todos(apiEvent('GET', '/todos'), lambdaContext('todos', `short-${Date.now()}`, 3_000));
    const ms = Date.now() - started;
    expectUnavailable(result);
    expect(ms).toBeGreaterThanOrEqual(1_200);
    expect(ms).toBeLessThan(1_300 + 1_500); // one wait: a retry would add another
    // The connection that never answered is discarded: the next request gets a fresh one.
    expect((await call(todos, 'GET', '/todos')).result.statusCode).toBe(200);
  });

  test('a database that accepts connections but never answers: a 503 within one connect timeout, retries included', async () => {
    await coldContainer();
    expect((await call(todos, 'GET', '/todos')).result.statusCode).toBe(200);
    proxy.hang();
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      for (const [fn, path] of [[todos, '/todos'], [health, '/health']] as const) {
        const { result, ms } = await call(fn, 'GET', path);
        expectUnavailable(result);
        // The 3 s connect (or pool acquire) timeout once, well inside the 10 s function timeout.
        expect(ms).toBeLessThan(3_000 + 1_500);
      }
    } finally {
      proxy.restore();
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await call(todos, 'GET', '/todos')).result.statusCode).toBe(200);
  }, 30_000);
});
