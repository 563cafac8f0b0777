import { capturedLogs, logMark } from '../../../testing/logCapture';
import { freePort } from '../../../tools/localPostgres';
import { MAX_BODY_BYTES, TODO_TITLE_MAX, encodeCursor, type HttpResult, type TodoDto, type TodoPage } from '@lambdas/shared';
import { apiEvent, parseBody, reconnectFromEnv, testContext, useMigratedDatabase, type EventOptions } from '../../../testing/httpApi';
import { handler } from '../src/handler';

const database = useMigratedDatabase();

async function call(method: string, url: string, options?: EventOptions): Promise<HttpResult> {
  return handler(apiEvent(method, url, options), testContext('todos'));
}

async function create(title: string): Promise<TodoDto> {
  const result = await call('POST', '/todos', { body: { title } });
  expect(result.statusCode).toBe(201);
  return parseBody<TodoDto>(result);
}

/** Asserts a JSON error response and returns its body. */
function expectError(result: HttpResult, status: number, code: string): { code: string; message: string; details?: Array<{ in: string; field: string; message: string }> } {
  expect({ status: result.statusCode, contentType: result.headers?.['content-type'] }).toEqual({ status, contentType: 'application/json; charset=utf-8' });
  const body = parseBody<{ code: string; message: string; details?: Array<{ in: string; field: string; message: string }> }>(result);
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  return body;
}

const MISSING_ID = '00000000-0000-4000-8000-000000000000';

beforeEach(async () => {
  const admin = await database().admin();
  await admin.query('DELETE FROM todos');
});

describe('POST /todos', () => {
  it('creates a todo: 201, Location, trimmed title, completed defaults to false', async () => {
    const result = await call('POST', '/todos', { body: { title: '  Buy milk  ' } });
    expect(result.statusCode).toBe(201);
    const todo = parseBody<TodoDto>(result);
    expect(todo).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), title: 'Buy milk', completed: false, createdAt: expect.any(String), updatedAt: todo.createdAt });
    expect(result.headers?.location).toBe(`/todos/${todo.id}`);
    const rows = await (await database().admin()).query('SELECT title, completed FROM todos WHERE id = $1', [todo.id]);
    expect(rows.rows).toEqual([{ title: 'Buy milk', completed: false }]);
  });

  it('accepts completed and a title of exactly the maximum length, and a base64-encoded body', async () => {
    const long = 'x'.repeat(TODO_TITLE_MAX);
    const created = parseBody<TodoDto>(await call('POST', '/todos', { body: { title: long, completed: true } }));
    expect(created).toMatchObject({ title: long, completed: true });
    const binary = await call('POST', '/todos', { body: Buffer.from(JSON.stringify({ title: 'from base64' })), binary: true });
    expect(binary.statusCode).toBe(201);
    expect(parseBody<TodoDto>(binary).title).toBe('from base64');
  });

  it.each([
    ['malformed JSON', '{"title": "a"', 'invalid_json'],
    ['an empty body', '', 'body_required'],
    ['a blank body', '   \n', 'body_required'],
    ['an oversized body', JSON.stringify({ title: 'a', pad: 'x'.repeat(MAX_BODY_BYTES) }), 'body_too_large'],
  ])('rejects %s with 400 %s', async (_what, body, code) => {
    expectError(await call('POST', '/todos', { body }), 400, code);
  });

  it.each([
    ['a number as title', { title: 42 }, 'title'],
    ['a missing title', {}, 'title'],
    ['a title that is only spaces', { title: '   ' }, 'title'],
    ['a title one character too long', { title: 'x'.repeat(TODO_TITLE_MAX + 1) }, 'title'],
    ['a string as completed', { title: 'a', completed: 'yes' }, 'completed'],
    ['an unknown field', { title: 'a', owner: 'me' }, 'owner'],
    ['an array', [{ title: 'a' }], ''],
    ['null', null, ''],
  ])('rejects %s with 400 validation_failed naming the field', async (_what, body, field) => {
    const error = expectError(await call('POST', '/todos', { body: JSON.stringify(body) }), 400, 'validation_failed');
    expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'body', field })]));
    // zod's English messages (src/zod.ts sets the locale zod/mini leaves unset), never the bare "Invalid input".
    for (const detail of error.details as Array<{ message: string }>) expect(detail.message).not.toBe('Invalid input');
    expect(await (await database().admin()).query('SELECT 1 FROM todos')).toMatchObject({ rowCount: 0 });
  });
});

describe('GET /todos/{id}', () => {
  it('returns the todo, 404 for an unknown id, 400 for a non-UUID id', async () => {
    const todo = await create('read me');
    const found = await call('GET', `/todos/${todo.id}`);
    expect(found.statusCode).toBe(200);
    expect(parseBody(found)).toEqual(todo);
    expectError(await call('GET', `/todos/${MISSING_ID}`), 404, 'not_found');
    const bad = expectError(await call('GET', '/todos/not-a-uuid'), 400, 'validation_failed');
    expect(bad.details).toEqual([{ in: 'path', field: 'id', message: 'must be a UUID' }]);
  });
});

describe('PATCH /todos/{id}', () => {
  it('changes the title and/or completed and advances updatedAt', async () => {
    const todo = await create('old');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const renamed = parseBody<TodoDto>(await call('PATCH', `/todos/${todo.id}`, { body: { title: ' new ' } }));
    expect(renamed).toMatchObject({ id: todo.id, title: 'new', completed: false, createdAt: todo.createdAt });
    expect(Date.parse(renamed.updatedAt)).toBeGreaterThan(Date.parse(todo.updatedAt));
    const done = await call('PATCH', `/todos/${todo.id}`, { body: { completed: true } });
    expect(done.statusCode).toBe(200);
    expect(parseBody(done)).toMatchObject({ title: 'new', completed: true });
    expect(parseBody(await call('GET', `/todos/${todo.id}`))).toMatchObject({ title: 'new', completed: true });
  });

  it('rejects an empty patch, unknown fields, bad types, bad JSON and a non-UUID id; 404 for an unknown id', async () => {
    const todo = await create('stay');
    expectError(await call('PATCH', `/todos/${todo.id}`, { body: {} }), 400, 'validation_failed');
    expectError(await call('PATCH', `/todos/${todo.id}`, { body: { done: true } }), 400, 'validation_failed');
    expectError(await call('PATCH', `/todos/${todo.id}`, { body: { completed: 1 } }), 400, 'validation_failed');
    expectError(await call('PATCH', `/todos/${todo.id}`, { body: { title: '' } }), 400, 'validation_failed');
    expectError(await call('PATCH', `/todos/${todo.id}`, { body: '{' }), 400, 'invalid_json');
    expectError(await call('PATCH', `/todos/${todo.id}`), 400, 'body_required');
    expectError(await call('PATCH', '/todos/123', { body: { title: 'x' } }), 400, 'validation_failed');
    expectError(await call('PATCH', `/todos/${MISSING_ID}`, { body: { title: 'x' } }), 404, 'not_found');
    expect(parseBody(await call('GET', `/todos/${todo.id}`))).toEqual(todo);
  });
});

describe('DELETE /todos/{id}', () => {
  it('deletes: 204 without a body, then 404; 400 for a non-UUID id', async () => {
    const todo = await create('bye');
    const deleted = await call('DELETE', `/todos/${todo.id}`);
    expect(deleted).toMatchObject({ statusCode: 204 });
    expect(deleted.body).toBeUndefined();
    expectError(await call('DELETE', `/todos/${todo.id}`), 404, 'not_found');
    expectError(await call('GET', `/todos/${todo.id}`), 404, 'not_found');
    expectError(await call('DELETE', '/todos/x'), 400, 'validation_failed');
  });
});

describe('GET /todos', () => {
  it('lists newest first, 20 by default, with a cursor only while more rows exist', async () => {
    const admin = await database().admin();
    // 25 rows, one second apart, so the expected order does not depend on insert timing.
    await admin.query(`INSERT INTO todos (title, created_at, updated_at) SELECT 'todo ' || n, timestamp '2026-01-01' + n * interval '1 second', now() FROM generate_series(1, 25) n`);
    const first = parseBody<TodoPage>(await call('GET', '/todos'));
    expect(first.items.map((t) => t.title)).toEqual(Array.from({ length: 20 }, (_, i) => `todo ${25 - i}`));
    expect(first.nextCursor).toEqual(expect.any(String));
    const second = parseBody<TodoPage>(await call('GET', `/todos?cursor=${first.nextCursor}&limit=100`));
    expect(second.items.map((t) => t.title)).toEqual(['todo 5', 'todo 4', 'todo 3', 'todo 2', 'todo 1']);
    expect(second.nextCursor).toBeNull();
  });

  it('pages through rows that share a created_at without skipping or repeating any (id breaks the tie)', async () => {
    const admin = await database().admin();
    await admin.query(`INSERT INTO todos (title, created_at) SELECT 'same ' || n, timestamp '2026-01-01' FROM generate_series(1, 7) n`);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: TodoPage = parseBody<TodoPage>(await call('GET', `/todos?limit=2${cursor ? `&cursor=${cursor}` : ''}`));
      expect(page.items.length).toBeLessThanOrEqual(2);
      seen.push(...page.items.map((t) => t.id));
      cursor = page.nextCursor;
    } while (cursor !== null);
    const all = await admin.query<{ id: string }>('SELECT id FROM todos ORDER BY id DESC');
    expect(seen).toEqual(all.rows.map((r) => r.id));
  });

  it('returns an empty page with a null cursor when there is nothing', async () => {
    expect(parseBody(await call('GET', '/todos'))).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=101', 'limit'],
    ['limit=abc', 'limit'],
    ['limit=2.5', 'limit'],
    ['limit=1&limit=2', 'limit'],
    ['cursor=not-a-cursor!', 'cursor'],
    [`cursor=${Buffer.from('{"v":1,"t":"yesterday","i":"x"}').toString('base64url')}`, 'cursor'],
    [`cursor=${Buffer.from('[1,2]').toString('base64url')}`, 'cursor'],
  ])('rejects ?%s with 400 naming %s', async (query, field) => {
    const error = expectError(await call('GET', `/todos?${query}`), 400, 'validation_failed');
    expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ in: 'query', field })]));
  });

  it('ignores query parameters it does not know (a cache-buster such as ?_=1701, ?page=2)', async () => {
    await create('cache-busted');
    const result = await call('GET', '/todos?_=1701&page=2&limit=1');
    expect(result.statusCode).toBe(200);
    expect(parseBody<TodoPage>(result).items).toHaveLength(1);
  });

  it('accepts a cursor for a position that no longer exists (the row was deleted)', async () => {
    await create('only');
    const page = parseBody<TodoPage>(await call('GET', `/todos?cursor=${encodeCursor({ createdAt: new Date('2999-01-01'), id: MISSING_ID })}`));
    expect(page.items.map((t) => t.title)).toEqual(['only']);
  });
});

describe('routing inside the function', () => {
  it('dispatches by method and path when API Gateway sends a catch-all route key', async () => {
    await create('via $default');
    const result = await call('GET', '/todos', { routeKey: '$default' });
    expect(parseBody<TodoPage>(result).items).toHaveLength(1);
  });

  it('answers 405 with Allow for a known path with another method, 404 for an unknown path', async () => {
    const put = expectError(await call('PUT', '/todos', { routeKey: '$default', body: { title: 'a' } }), 405, 'method_not_allowed');
    expect(put.message).toContain('GET, POST');
    expect((await call('POST', `/todos/${MISSING_ID}`, { routeKey: 'ANY /todos/{id}' })).headers?.allow).toBe('GET, PATCH, DELETE');
    expectError(await call('GET', '/health', { routeKey: '$default' }), 404, 'not_found');
  });
});

describe('logs', () => {
  it('writes one structured line per invocation with function name, request id, status and duration', async () => {
    const mark = logMark();
    const context = testContext('todos');
    await handler(apiEvent('GET', '/todos'), context);
    const lines = capturedLogs(mark).filter((line) => line.message === 'Request completed');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'INFO', function_name: 'todos', function_request_id: context.awsRequestId, statusCode: 200, routeKey: 'GET /todos', durationMs: expect.any(Number) }),
    ]);
  });
});

describe('failures', () => {
  it('answers 503 database_unavailable, without internals, when the database does not answer', async () => {
    const saved = process.env.DB_PORT;
    process.env.DB_PORT = String(await freePort());
    await reconnectFromEnv();
    try {
      const result = await call('GET', '/todos');
      const body = expectError(result, 503, 'database_unavailable');
      expect(JSON.stringify(body)).not.toMatch(/127\.0\.0\.1|ECONNREFUSED|postgres|Sequelize/i);
    } finally {
      process.env.DB_PORT = saved;
      await reconnectFromEnv();
    }
    expect((await call('GET', '/todos')).statusCode).toBe(200);
  });

  it('answers a generic 500 without a stack trace or SQL when a query fails unexpectedly', async () => {
    const admin = await database().admin();
    await admin.query('ALTER TABLE todos RENAME TO todos_elsewhere');
    try {
      const mark = logMark();
      const result = await call('GET', '/todos');
      const body = expectError(result, 500, 'internal_error');
      expect(body.message).toBe('Internal server error');
      expect(result.body).not.toMatch(/SELECT|relation|todos_elsewhere|\n\s+at /);
      expect(capturedLogs(mark)).toEqual(expect.arrayContaining([expect.objectContaining({ level: 'ERROR', message: 'Unhandled error', error: expect.objectContaining({ name: 'SequelizeDatabaseError' }) })]));
    } finally {
      await admin.query('ALTER TABLE todos_elsewhere RENAME TO todos');
    }
  });
});
