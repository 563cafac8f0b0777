/**
 * The store's statements through the `Todo` model, on the shared pool's connections: they return
 * exactly what is stored, keep request values out of the SQL text, fail with one error shape that
 * carries no values, obey the pool's time limits, and never hand a dead connection out twice.
 * (These are the behaviours the former `selectRows` hot path proved for reads, now proven for the
 * model path that replaced it.) Real PostgreSQL behind a TCP proxy the test controls.
 */
import pg from 'pg';
import { connectToDatabase, describeError, logger, QueryTypes, retryRead, Todo, type Sequelize, type TodoDto } from '@lambdas/shared';
import { baseSequelizeOptions, discardIdleConnections, isConnectionFailure, isDatabaseUnavailable, isTimeout } from '@lambdas/shared/db';
import type { TcpProxy } from '../../../tools/tcpProxy';
import { runMigrations } from '@lambdas/migrate/migrator';
import { useProxiedDatabase } from '../../../testing/proxiedDatabase';
import { createTodo, deleteTodo, findTodo, listTodos, updateTodo } from '../src/todoStore';

const proxied = useProxiedDatabase({ DB_STATEMENT_TIMEOUT_MS: '300' });
let proxy: TcpProxy;
let sequelize: Sequelize;
let first: TodoDto;

beforeAll(async () => {
  proxy = proxied();
  sequelize = await connectToDatabase();
  await runMigrations(sequelize);
  first = (await createTodo({ title: 'one' })).todo;
  await createTodo({ title: "it's two", completed: true });
});

/** One read through the model exactly as the store issues it, but without `retryRead`: each failure shows. */
const readOnce = (): Promise<unknown[]> => Todo.findAll({ order: [['createdAt', 'DESC'], ['id', 'DESC']], limit: 1, raw: true });

/** Opens both pooled connections (two reads in flight at once), so that both can be broken. */
async function openBothConnections(): Promise<void> {
  await discardIdleConnections();
  await Promise.all([readOnce(), readOnce()]);
}

interface StoredRow {
  id: string;
  title: string;
  completed: boolean;
  created_at: Date;
  updated_at: Date;
  version: number;
}

test('returns exactly what the table holds, with the same types (timestamps as ISO strings with milliseconds)', async () => {
  const stored = await sequelize.query<StoredRow>('SELECT id, title, completed, created_at, updated_at, version FROM todos ORDER BY created_at DESC, id DESC', { type: QueryTypes.SELECT });
  const asDto = (row: StoredRow): TodoDto => ({ id: row.id, title: row.title, completed: row.completed, createdAt: row.created_at.toISOString(), updatedAt: row.updated_at.toISOString() });
  expect(stored).toHaveLength(2);
  const [newest] = stored as [StoredRow, StoredRow];
  await expect(findTodo(newest.id)).resolves.toEqual({ todo: asDto(newest), version: newest.version });
  expect((await findTodo(newest.id))?.todo).toEqual({ id: newest.id, title: "it's two", completed: true, createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/), updatedAt: expect.any(String) });
  await expect(listTodos(10)).resolves.toEqual({ items: stored.map(asDto), nextCursor: null });
  expect((await listTodos(1)).items).toEqual([asDto(newest)]);
  await expect(listTodos(1, { createdAt: new Date(newest.created_at), id: newest.id })).resolves.toEqual({ items: [asDto(stored[1] as StoredRow)], nextCursor: null });
});

test('values are bind parameters, never SQL: injection strings and `$name` lookalikes are just values', async () => {
  const titles = ["one' OR '1'='1", "'); DROP TABLE todos; --", '$1', '$id', '$createdAt', '\\'];
  const ids: string[] = [];
  for (const title of titles) {
    const created = await createTodo({ title });
    ids.push(created.todo.id);
    await expect(findTodo(created.todo.id)).resolves.toMatchObject({ todo: { title }, version: 1 });
    // Sequelize rewrites `$id` placeholders in the SQL text only; a value that looks like one stays a value.
    await expect(updateTodo(created.todo.id, { title: `${title}$id` }, [1])).resolves.toMatchObject({ kind: 'done', value: { todo: { title: `${title}$id` }, version: 2 } });
  }
  const all = await listTodos(100);
  expect(all.items.filter((t) => ids.includes(t.id)).map((t) => t.title)).toEqual(titles.map((t) => `${t}$id`).reverse());
  await expect(findTodo('00000000-0000-4000-8000-000000000000')).resolves.toBeUndefined();
  for (const id of ids) await expect(deleteTodo(id, [2])).resolves.toEqual({ kind: 'done', value: true });
  await expect(sequelize.query('SELECT count(*)::int AS n FROM todos', { type: QueryTypes.SELECT })).resolves.toEqual([{ n: 2 }]);
});

test('a failing statement is a Sequelize DatabaseError wrapping the driver error, and what is logged or kept of it has no values', async () => {
  const secretLooking = 'a1b2c3d4-0000-4000-8000-5ec7e7000000';
  await sequelize.query('ALTER TABLE todos RENAME TO todos_away');
  let errors: unknown[];
  try {
    errors = [
      await findTodo(secretLooking).catch((e: unknown) => e),
      await listTodos(5, { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: secretLooking }).catch((e: unknown) => e),
      await updateTodo(secretLooking, { title: 'secret-looking title' }, [1]).catch((e: unknown) => e),
      await deleteTodo(secretLooking, [1]).catch((e: unknown) => e),
    ];
  } finally {
    await sequelize.query('ALTER TABLE todos_away RENAME TO todos');
  }
  for (const error of errors) {
    expect(error).toMatchObject({ name: 'SequelizeDatabaseError', parent: { code: '42P01' } });
    // The handler logs `describeError` (name and message); the statement text holds placeholders only.
    // (Sequelize also keeps the bind values on the error as `parameters`: never logged, never returned.)
    const kept = JSON.stringify({ ...describeError(error), sql: (error as { sql?: string }).sql });
    expect(kept).toContain('$1');
    expect(kept).not.toContain(secretLooking);
    expect(kept).not.toContain('secret-looking title');
    expect(kept).not.toContain('2026-01-02');
    expect(isConnectionFailure(error)).toBe(false);
  }
  // The connections themselves are fine and went back to the pool.
  await expect(findTodo(first.id)).resolves.toMatchObject({ todo: first });
});

test("statement_timeout applies (the connection is the pool's): a read stuck behind a lock is a 503-class error", async () => {
  // Another session holds the lock (the container's pool has one connection: LAMBDA_POOL.max).
  const lock = new pg.Client({ host: process.env.DB_HOST, port: Number(process.env.DB_PORT), database: process.env.DB_NAME, user: process.env.DB_USER, password: process.env.DB_PASSWORD });
  await lock.connect();
  try {
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE todos IN ACCESS EXCLUSIVE MODE');
    const started = Date.now();
    const error = await findTodo(first.id).catch((e: unknown) => e);
    expect((error as { parent?: unknown }).parent).toMatchObject({ code: '57014' });
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(Date.now() - started).toBeLessThan(1_000); // 300 ms statement timeout, and not retried
  } finally {
    await lock.end();
  }
});

test('a connection that died silently fails once, is discarded, and is never handed out again', async () => {
  await openBothConnections();
  proxy.poisonOpenConnections();
  const outcomes: unknown[] = [];
  for (let i = 0; i < 4; i += 1) outcomes.push(await readOnce().then(() => 'ok', (e: unknown) => e));
  const failures = outcomes.filter((o) => o instanceof Error);
  for (const failure of failures) expect(isConnectionFailure(failure)).toBe(true);
  // At most one failure per pooled connection (2), then only fresh connections.
  expect(failures.length).toBeLessThanOrEqual(2);
  expect(outcomes.slice(-2)).toEqual(['ok', 'ok']);
});

test('a connection whose query never got an answer (client-side query timeout) is discarded, not reused', async () => {
  await openBothConnections();
  proxy.blackholeOpenConnections();
  const outcomes: unknown[] = [];
  for (let i = 0; i < 4; i += 1) outcomes.push(await readOnce().then(() => 'ok', (e: unknown) => e));
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
  expect(outcomes.slice(-2)).toEqual(['ok', 'ok']);
});

test("under retryRead (the store's reads) a dead pooled connection costs no failed read", async () => {
  await openBothConnections();
  proxy.poisonOpenConnections();
  await expect(findTodo(first.id)).resolves.toMatchObject({ todo: first });
  await openBothConnections();
  proxy.poisonOpenConnections();
  await expect(listTodos(1)).resolves.toMatchObject({ items: [expect.objectContaining({ title: "it's two" })] });
  await openBothConnections();
  proxy.poisonOpenConnections();
  await expect(retryRead(readOnce)).resolves.toHaveLength(1);
});

test('with DB_LOG_SQL on, every statement is logged through Sequelize: the statement, never a request value', async () => {
  const saved = process.env.DB_LOG_SQL;
  process.env.DB_LOG_SQL = 'true';
  const { logging } = baseSequelizeOptions(); // the function `db/sequelize.ts` installs when DB_LOG_SQL is on when the instance is created
  if (saved === undefined) delete process.env.DB_LOG_SQL;
  else process.env.DB_LOG_SQL = saved;
  expect(logging).toEqual(expect.any(Function));

  const options = (sequelize as unknown as { options: { logging: unknown } }).options;
  const previous = options.logging;
  const debug = jest.spyOn(logger, 'debug');
  options.logging = logging;
  const marker = `zq${Date.now().toString(36)}mark`;
  let id = '';
  let calls: unknown[][] = [];
  try {
    const created = await createTodo({ title: `${marker} new` });
    id = created.todo.id;
    await findTodo(id);
    await listTodos(1, { createdAt: new Date(created.todo.createdAt), id });
    await updateTodo(id, { title: `${marker} changed` }, [1]);
    await updateTodo(id, { completed: true }, [1]); // stale: the 412 path and its lookup
    await deleteTodo(id, [2]);
  } finally {
    options.logging = previous;
    calls = [...debug.mock.calls];
    debug.mockRestore();
  }
  const logged = calls.filter(([message]) => message === 'SQL').map(([, extra]) => String((extra as { sql?: unknown }).sql));
  const statements = logged.filter((sql) => /"todos"/.test(sql));
  expect(statements.filter((sql) => /\b(SELECT|INSERT|UPDATE|DELETE)\b/.test(sql)).length).toBeGreaterThanOrEqual(7);
  for (const sql of statements) {
    expect(sql).not.toContain(marker);
    expect(sql).not.toContain(id);
  }
  expect(statements.some((sql) => /WHERE .*"id" = \$1/.test(sql))).toBe(true);
  // Timestamps: Sequelize writes `updated_at` as the database's now() (the model's default), never
  // the container's clock, and leaves `created_at` alone on update.
  const updates = statements.filter((sql) => /UPDATE "todos" SET/.test(sql));
  expect(updates).toHaveLength(2);
  for (const sql of updates) {
    expect(sql).toMatch(/"version"=version \+ 1,"updated_at"=now\(\) WHERE "id" = \$\d+ AND "version" IN \(1\) RETURNING/);
    expect(sql).not.toContain('"created_at"=');
  }
  await expect(findTodo(id)).resolves.toBeUndefined();
});
