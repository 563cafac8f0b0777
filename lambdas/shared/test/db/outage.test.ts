/**
 * The database goes away and comes back while the container lives: requests during the outage
 * fail fast with a connection error (which the handlers answer with 503), requests after it
 * succeed in the same process, and a hung database costs a bounded time, never the function's
 * timeout. A loopback proxy the test controls sits between the pool and a real PostgreSQL.
 */
import { ConnectionError } from 'sequelize';
import type { TcpProxy } from '../../../../tools/tcpProxy';
import { useProxiedDatabase } from '../../../../testing/proxiedDatabase';
import { QueryTypes, connectToDatabase, getSequelize, retryRead, writeTransaction } from '../../src';

const sequelize = getSequelize();
import { dbTimeouts, discardIdleConnections, isConnectionFailure, LAMBDA_POOL } from '../../src/db';

const proxied = useProxiedDatabase();
let proxy: TcpProxy;
beforeAll(() => {
  proxy = proxied();
});

async function elapsed(work: () => Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { ms: Date.now() - started, error };
}

test('connections cut mid-traffic: queries fail fast during the outage and succeed after it, same process', async () => {
  const instance = await connectToDatabase();
  await instance.query('SELECT 1');

  proxy.drop();
  const during = await Promise.all(Array.from({ length: 5 }, () => elapsed(() => instance.query('SELECT 1'))));
  for (const { ms, error } of during) {
    expect(isConnectionFailure(error)).toBe(true);
    expect(ms).toBeLessThan(1_000);
  }

  // The cut connections are gone from the pool, never to be handed out again.
  const pool = (sequelize.connectionManager as unknown as { pool: { size: number } }).pool;
  for (let i = 0; i < 50 && pool.size > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(pool.size).toBe(0);

  proxy.restore();
  await new Promise((resolve) => setTimeout(resolve, 50));
  const acceptedBefore = proxy.accepted;
  for (let i = 0; i < 10; i += 1) await expect(instance.query('SELECT 1')).resolves.toBeDefined();
  // After recovery the pool reuses its fresh connection rather than reconnecting per query.
  expect(proxy.accepted - acceptedBefore).toBeLessThanOrEqual(LAMBDA_POOL.max as number);
});

test('a hung database costs at most the connect timeout, not the function timeout', async () => {
  proxy.hang();
  // Let the pool see its cut connections close, so the query below must open a new one.
  await new Promise((resolve) => setTimeout(resolve, 100));
  const { ms, error } = await elapsed(() => sequelize.query('SELECT 1'));
  expect(error).toBeInstanceOf(ConnectionError);
  expect(isConnectionFailure(error)).toBe(true);
  expect(ms).toBeGreaterThanOrEqual(dbTimeouts().connectionTimeoutMillis - 100);
  expect(ms).toBeLessThan(dbTimeouts().connectionTimeoutMillis + 1_500);
  proxy.restore();
  await new Promise((resolve) => setTimeout(resolve, 50));
  await expect(sequelize.query('SELECT 1')).resolves.toBeDefined();
});

test('a statement that runs too long is cancelled by the server-side statement timeout', async () => {
  const { ms, error } = await elapsed(() => sequelize.query('SELECT pg_sleep(30)'));
  expect(String((error as { parent?: { code?: string } }).parent?.code)).toBe('57014'); // query_canceled
  expect(isConnectionFailure(error)).toBe(false);
  expect(ms).toBeLessThan(dbTimeouts().statement_timeout + 1_500);
});

describe('connections that died while idle (retryRead / writeTransaction)', () => {
  beforeAll(async () => {
    await connectToDatabase();
    await sequelize.query('CREATE TABLE IF NOT EXISTS outage_writes (id serial PRIMARY KEY, note text)');
  });

  /**
   * Opens both pool connections, then lets them die silently, as in a frozen container. Waits until
   * both are idle and no connection is still being opened (the pool replaces retired ones as they
   * come up): a handshake caught mid-way by the poison would fail a connect, not a query.
   */
  async function poisonPool(): Promise<void> {
    await discardIdleConnections();
    await Promise.all([sequelize.query('SELECT pg_sleep(0.02)'), sequelize.query('SELECT pg_sleep(0.02)')]);
    const pool = (sequelize.connectionManager as unknown as { pool: { size: number; available: number } }).pool;
    for (let i = 0; i < 100 && pool.size !== pool.available; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    proxy.poisonOpenConnections();
  }

  test('without a retry, a read on a dead pooled connection fails', async () => {
    await poisonPool();
    const error = await sequelize.query('SELECT 1').catch((e: unknown) => e);
    expect(isConnectionFailure(error)).toBe(true);
  });

  test('retryRead: the read succeeds on a fresh connection', async () => {
    await poisonPool();
    const [rows] = await retryRead(() => sequelize.query('SELECT 42 AS answer'));
    expect(rows).toEqual([{ answer: 42 }]);
  });

  test('writeTransaction: the write is applied exactly once', async () => {
    await poisonPool();
    const before = proxy.accepted;
    await writeTransaction((transaction) => sequelize.query("INSERT INTO outage_writes (note) VALUES ('once')", { transaction }));
    const [rows] = await sequelize.query("SELECT count(*)::int AS n FROM outage_writes WHERE note = 'once'");
    expect(rows).toEqual([{ n: 1 }]);
    expect(proxy.accepted - before).toBeGreaterThanOrEqual(1); // it did need a fresh connection
  });

  test('a real outage is not hidden: both attempts fail fast', async () => {
    await poisonPool();
    proxy.drop();
    const started = Date.now();
    const error = await retryRead(() => sequelize.query('SELECT 1')).catch((e: unknown) => e);
    expect(isConnectionFailure(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000);
    proxy.restore();
  });
});

describe('the server terminates a connection the moment its login completes', () => {
  test('no uncaught error: the connection fails as a connection error, and retryRead succeeds on the next', async () => {
    await discardIdleConnections();
    // The termination arrives in the same packet as the server's ReadyForQuery, before Sequelize has
    // attached its own 'error' listener: without one from the driver, pg would throw out of the socket handler.
    proxy.terminateNextLogins(1);
    const error = await sequelize.query('SELECT 1').catch((e: unknown) => e);
    expect(isConnectionFailure(error)).toBe(true);
    proxy.terminateNextLogins(1);
    await expect(retryRead(() => sequelize.query('SELECT 7 AS seven', { type: QueryTypes.SELECT }))).resolves.toEqual([{ seven: 7 }]);
  });
});
