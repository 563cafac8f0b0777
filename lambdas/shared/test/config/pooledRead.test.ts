/**
 * `selectRows`: hot-path reads on the shared pool's connections without Sequelize's query layer.
 * It must return what `sequelize.query` returns, keep values out of the SQL text, fail with the same
 * error shape, and never hand a dead connection out twice. Real PostgreSQL behind a TCP proxy.
 */
import { DatabaseError } from 'sequelize';
import type { TcpProxy } from '../../../../tools/tcpProxy';
import { useProxiedDatabase } from '../support/proxiedDatabase';
import {
  connectToDatabase,
  discardIdleConnections,
  isConnectionFailure,
  isDatabaseUnavailable,
  isTimeout,
  QueryTypes,
  retryRead,
  selectRows,
  sequelize,
} from '../../src';

const proxied = useProxiedDatabase({ DB_STATEMENT_TIMEOUT_MS: '300' });
let proxy: TcpProxy;

beforeAll(async () => {
  proxy = proxied();
  const instance = await connectToDatabase();
  await instance.query('CREATE TABLE items (id int PRIMARY KEY, label text NOT NULL, done boolean NOT NULL, at timestamptz NOT NULL)');
  await instance.query("INSERT INTO items VALUES (1, 'one', false, '2026-01-02T03:04:05.678Z'), (2, 'it''s two', true, '2026-02-03T04:05:06.789Z')");
});

const SELECT = 'SELECT id, label, done, at FROM items WHERE id >= $1 ORDER BY id';

test('returns exactly the rows sequelize.query returns, with the same types', async () => {
  const direct = await selectRows<{ id: number; label: string; done: boolean; at: Date }>(SELECT, [1]);
  const viaSequelize = await sequelize.query(SELECT, { bind: [1], type: QueryTypes.SELECT });
  expect(direct).toEqual(viaSequelize);
  expect(direct[1]).toEqual({ id: 2, label: "it's two", done: true, at: new Date('2026-02-03T04:05:06.789Z') });
});

test('values are bind parameters, never SQL: an injection string is just a value', async () => {
  const rows = await selectRows('SELECT id FROM items WHERE label = $1', ["one' OR '1'='1"]);
  expect(rows).toEqual([]);
  await expect(selectRows('SELECT count(*)::int AS n FROM items')).resolves.toEqual([{ n: 2 }]);
});

test('a failing statement is a Sequelize DatabaseError wrapping the driver error, without the values', async () => {
  const error = await selectRows('SELECT * FROM no_such_table WHERE id = $1', ['secret-looking-value']).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(DatabaseError);
  expect((error as DatabaseError).parent).toMatchObject({ code: '42P01' });
  expect(JSON.stringify({ message: (error as Error).message, sql: (error as DatabaseError).sql })).not.toContain('secret-looking-value');
  expect(isConnectionFailure(error)).toBe(false);
  // The connection itself is fine and goes back to the pool.
  await expect(selectRows('SELECT 1 AS one')).resolves.toEqual([{ one: 1 }]);
});

test('statement_timeout applies (the connection is the pool\'s): a slow read is a 503-class error', async () => {
  const error = await selectRows('SELECT pg_sleep(5)').catch((e: unknown) => e);
  expect((error as DatabaseError).parent).toMatchObject({ code: '57014' });
  expect(isDatabaseUnavailable(error)).toBe(true);
});

test('a connection that died silently fails once, is discarded, and is never handed out again', async () => {
  await discardIdleConnections();
  await Promise.all([selectRows('SELECT pg_sleep(0.02)'), selectRows('SELECT pg_sleep(0.02)')]);
  proxy.poisonOpenConnections();
  const outcomes: unknown[] = [];
  for (let i = 0; i < 4; i += 1) outcomes.push(await selectRows('SELECT 1 AS one').catch((e: unknown) => e));
  const failures = outcomes.filter((o) => o instanceof Error);
  for (const failure of failures) expect(isConnectionFailure(failure)).toBe(true);
  // At most one failure per pooled connection (2), then only fresh connections.
  expect(failures.length).toBeLessThanOrEqual(2);
  expect(outcomes.slice(-2)).toEqual([[{ one: 1 }], [{ one: 1 }]]);
});

test('a connection whose query never got an answer (client-side query timeout) is discarded, not reused', async () => {
  await Promise.all([selectRows('SELECT pg_sleep(0.02)'), selectRows('SELECT pg_sleep(0.02)')]);
  proxy.blackholeOpenConnections();
  const outcomes: unknown[] = [];
  for (let i = 0; i < 4; i += 1) outcomes.push(await selectRows('SELECT 2 AS two').catch((e: unknown) => e));
  const failures = outcomes.filter((o) => o instanceof Error);
  for (const failure of failures) {
    expect((failure as Error).message).toMatch(/Query read timeout/);
    // A 503 for the caller, and not retried at once (the same wait again could outlast the function).
    expect(isDatabaseUnavailable(failure)).toBe(true);
    expect(isTimeout(failure)).toBe(true);
  }
  // Reused, a timed-out connection would keep its unanswered query queued, and every later read on it
  // would time out too: at most one failure per pooled connection, then fresh connections.
  expect(failures.length).toBeLessThanOrEqual(2);
  expect(outcomes.slice(-2)).toEqual([[{ two: 2 }], [{ two: 2 }]]);
});

test('under retryRead a dead pooled connection costs no failed read', async () => {
  await Promise.all([selectRows('SELECT pg_sleep(0.02)'), selectRows('SELECT pg_sleep(0.02)')]);
  proxy.poisonOpenConnections();
  await expect(retryRead(() => selectRows('SELECT 42 AS answer'))).resolves.toEqual([{ answer: 42 }]);
});

test('with SQL logging on, it logs through Sequelize\'s own logger: the statement, never the values', async () => {
  const options = (sequelize as unknown as { options: { logging: unknown } }).options;
  const previous = options.logging;
  const logged: unknown[][] = [];
  options.logging = (...args: unknown[]) => logged.push(args);
  try {
    await selectRows(SELECT, [2]);
  } finally {
    options.logging = previous;
  }
  expect(logged).toEqual([[SELECT]]);
});
