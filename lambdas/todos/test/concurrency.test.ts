/**
 * Concurrency: ETag/If-Match never lets a concurrent write be lost silently, and 100 concurrent
 * requests against the function's pool of 1 connection all succeed or fail with a clear 503,
 * never a 500 and never a wait past the pool's acquire timeout (plus the one retry of `retryRead` /
 * `writeTransaction`).
 */
import pg from 'pg';
import { dbTimeouts, LAMBDA_POOL } from '@lambdas/shared/db';
import { connectToDatabase, expectedVersions, type HttpResult, type TodoDto } from '@lambdas/shared';
import { parseIfMatch } from '@lambdas/shared/api';
import { apiEvent, parseBody, testContext, useMigratedDatabase, type EventOptions } from '../../../testing/httpApi';
import { handler } from '../src/handler';

const database = useMigratedDatabase();

function call(method: string, url: string, options?: EventOptions): Promise<HttpResult> {
  return handler(apiEvent(method, url, options), testContext('todos'));
}

async function create(title: string): Promise<{ todo: TodoDto; etag: string }> {
  const result = await call('POST', '/todos', { body: { title } });
  expect(result.statusCode).toBe(201);
  return { todo: parseBody<TodoDto>(result), etag: String(result.headers?.etag ?? '') };
}

function expectError(result: HttpResult, status: number, code: string): { code: string; message: string; details?: unknown } {
  expect({ status: result.statusCode, contentType: result.headers?.['content-type'] }).toEqual({ status, contentType: 'application/json; charset=utf-8' });
  const body = parseBody<{ code: string; message: string; details?: unknown }>(result);
  expect(body).toEqual(expect.objectContaining({ code, message: expect.any(String) }));
  return body;
}

async function row(id: string): Promise<{ title: string; completed: boolean; version: number } | undefined> {
  const admin = await database().admin();
  const { rows } = await admin.query<{ title: string; completed: boolean; version: number }>('SELECT title, completed, version FROM todos WHERE id = $1', [id]);
  await admin.end();
  return rows[0];
}

describe('If-Match parsing (RFC 9110)', () => {
  it.each([
    ['"3"', { kind: 'tags', tags: [{ weak: false, opaque: '3' }] }],
    ['W/"3"', { kind: 'tags', tags: [{ weak: true, opaque: '3' }] }],
    [' "1" ,W/"2",  "a,b" ', { kind: 'tags', tags: [{ weak: false, opaque: '1' }, { weak: true, opaque: '2' }, { weak: false, opaque: 'a,b' }] }],
    [', "1",, "2",', { kind: 'tags', tags: [{ weak: false, opaque: '1' }, { weak: false, opaque: '2' }] }],
    ['""', { kind: 'tags', tags: [{ weak: false, opaque: '' }] }],
    ['*', { kind: 'any' }],
    [' * ', { kind: 'any' }],
  ])('parses %j', (value, expected) => {
    expect(parseIfMatch(value)).toEqual(expected);
  });

  it.each(['3', '"3', '3"', 'w/"3"', '"3" "4"', '"a"b"', '*, "3"', '', ' , ', '"with space"', '"é"\u0100'])('rejects %j as malformed (400, not a silent 412)', (value) => {
    expect(() => parseIfMatch(value)).toThrow(expect.objectContaining({ statusCode: 400, details: [expect.objectContaining({ in: 'header', field: 'if-match' })] }));
  });

  it('maps only strong tags naming a possible version to versions; weak and foreign tags match nothing', () => {
    expect(expectedVersions(parseIfMatch('"2", W/"3", "x", "0", "007", "99999999999", "2"'))).toEqual([2]);
    expect(expectedVersions(parseIfMatch('W/"1"'))).toEqual([]);
    expect(expectedVersions(parseIfMatch('*'))).toBeUndefined();
    expect(expectedVersions(parseIfMatch(undefined))).toBeUndefined();
  });
});

describe('ETag and If-Match over the handler', () => {
  it('gives every single-todo response the version as a strong ETag, and reads add no query', async () => {
    const { todo, etag } = await create('tagged');
    expect(etag).toBe('"1"');
    const read = await call('GET', `/todos/${todo.id}`);
    expect(read.headers?.etag).toBe('"1"');
    const patched = await call('PATCH', `/todos/${todo.id}`, { body: { completed: true } });
    expect(patched.headers?.etag).toBe('"2"');
    expect((await call('GET', `/todos/${todo.id}`)).headers?.etag).toBe('"2"');
    // The tag comes from the row the read already fetches: one statement per GET.
    await call('GET', `/todos/${todo.id}`); // warm: the pool holds a connection
    const spy = jest.spyOn(pg.Client.prototype, 'query');
    try {
      await call('GET', `/todos/${todo.id}`);
      expect(spy).toHaveBeenCalledTimes(1);
    } finally {
      spy.mockRestore();
    }
  });

  it('applies a PATCH whose If-Match is current and refuses a stale one with 412, writing nothing', async () => {
    const { todo } = await create('v1');
    const first = await call('PATCH', `/todos/${todo.id}`, { body: { title: 'v2' }, headers: { 'If-Match': '"1"' } });
    expect({ status: first.statusCode, etag: first.headers?.etag, title: parseBody<TodoDto>(first).title }).toEqual({ status: 200, etag: '"2"', title: 'v2' });
    const stale = expectError(await call('PATCH', `/todos/${todo.id}`, { body: { title: 'lost?' }, headers: { 'if-match': '"1"' } }), 412, 'precondition_failed');
    expect(stale.message).toMatch(/ETag/);
    expect(await row(todo.id)).toEqual({ title: 'v2', completed: false, version: 2 });
  });

  it('matches any tag of a list, never a weak tag, and treats * and an absent header as unconditional', async () => {
    const { todo } = await create('list');
    expect((await call('PATCH', `/todos/${todo.id}`, { body: { completed: true }, headers: { 'IF-MATCH': '"7", "1"' } })).statusCode).toBe(200);
    expectError(await call('PATCH', `/todos/${todo.id}`, { body: { completed: false }, headers: { 'if-match': 'W/"2"' } }), 412, 'precondition_failed');
    expectError(await call('PATCH', `/todos/${todo.id}`, { body: { completed: false }, headers: { 'if-match': '"a,2"' } }), 412, 'precondition_failed');
    expect((await call('PATCH', `/todos/${todo.id}`, { body: { completed: false }, headers: { 'if-match': '*' } })).headers?.etag).toBe('"3"');
    expect((await call('PATCH', `/todos/${todo.id}`, { body: { title: 'no header' } })).headers?.etag).toBe('"4"');
    expect(await row(todo.id)).toEqual({ title: 'no header', completed: false, version: 4 });
  });

  it('answers a malformed If-Match with 400 naming the header, and an unknown id with 404 whatever the tag', async () => {
    const { todo } = await create('malformed');
    const bad = expectError(await call('PATCH', `/todos/${todo.id}`, { body: { completed: true }, headers: { 'if-match': '1' } }), 400, 'validation_failed');
    expect(bad.details).toEqual([{ in: 'header', field: 'if-match', message: expect.stringContaining('quoted') }]);
    expect((await row(todo.id))?.version).toBe(1);
    const missing = '00000000-0000-4000-8000-000000000000';
    expectError(await call('PATCH', `/todos/${missing}`, { body: { completed: true }, headers: { 'if-match': '"1"' } }), 404, 'not_found');
    expectError(await call('DELETE', `/todos/${missing}`, { headers: { 'if-match': '*' } }), 404, 'not_found');
  });

  it('deletes only at the current version', async () => {
    const { todo } = await create('delete me');
    await call('PATCH', `/todos/${todo.id}`, { body: { completed: true } });
    expectError(await call('DELETE', `/todos/${todo.id}`, { headers: { 'if-match': '"1"' } }), 412, 'precondition_failed');
    expect(await row(todo.id)).toBeDefined();
    expect((await call('DELETE', `/todos/${todo.id}`, { headers: { 'if-match': '"2"' } })).statusCode).toBe(204);
    expect(await row(todo.id)).toBeUndefined();
  });

  it('lets exactly one of 25 concurrent PATCHes with the same If-Match win; the other 24 get 412 and change nothing', async () => {
    const { todo, etag } = await create('contended');
    const results = await Promise.all(Array.from({ length: 25 }, (_, i) => call('PATCH', `/todos/${todo.id}`, { body: { title: `writer ${i}` }, headers: { 'if-match': etag } })));
    const statuses = results.map((r) => r.statusCode);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(24);
    for (const loser of results.filter((r) => r.statusCode === 412)) expectError(loser, 412, 'precondition_failed');
    const winner = parseBody<TodoDto>(results.find((r) => r.statusCode === 200)!);
    expect(await row(todo.id)).toEqual({ title: winner.title, completed: false, version: 2 });
  });

  it('gives each of 25 concurrent read-modify-write clients a distinct version, so retrying on 412 loses no update', async () => {
    // Each client appends its mark to the title, retrying with a fresh read on 412: all 25 marks must survive.
    const { todo } = await create('m');
    const client = async (mark: string): Promise<number> => {
      for (let attempt = 1; ; attempt += 1) {
        const read = await call('GET', `/todos/${todo.id}`);
        const current = parseBody<TodoDto>(read);
        const write = await call('PATCH', `/todos/${todo.id}`, { body: { title: `${current.title}${mark}` }, headers: { 'if-match': String(read.headers?.etag ?? '') } });
        if (write.statusCode === 200) return attempt;
        expect(write.statusCode).toBe(412);
      }
    };
    const marks = Array.from({ length: 25 }, (_, i) => String.fromCharCode(65 + i));
    const attempts = await Promise.all(marks.map(client));
    const final = await row(todo.id);
    expect([...(final?.title ?? '')].sort().join('')).toBe(`m${marks.join('')}`.split('').sort().join(''));
    expect(final?.version).toBe(26);
    expect(Math.max(...attempts)).toBeGreaterThan(1); // they really did collide
  });

  it('still never loses an increment of the version for unconditional writes (last writer wins on the data)', async () => {
    const { todo } = await create('unconditional');
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => call('PATCH', `/todos/${todo.id}`, { body: { title: `w${i}` } })));
    expect(results.map((r) => r.statusCode)).toEqual(Array(20).fill(200));
    expect(new Set(results.map((r) => r.headers?.etag)).size).toBe(20);
    expect((await row(todo.id))?.version).toBe(21);
  });
});

describe('100 concurrent requests against a pool of 1', () => {
  it('uses the Lambda pool of one connection', async () => {
    expect(LAMBDA_POOL.max).toBe(1);
    const pool = ((await connectToDatabase()).connectionManager as unknown as { pool: { maxSize?: number; write?: { maxSize?: number } } }).pool;
    expect(pool.maxSize ?? pool.write?.maxSize).toBe(1);
  });

  it('serves 100 concurrent mixed requests: every one succeeds', async () => {
    const seeds = await Promise.all(Array.from({ length: 10 }, (_, i) => create(`seed ${i}`)));
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => {
        const seed = seeds[i % seeds.length]!.todo;
        switch (i % 5) {
          case 0:
            return call('GET', '/todos?limit=5');
          case 1:
            return call('POST', '/todos', { body: { title: `concurrent ${i}` } });
          case 2:
            return call('GET', `/todos/${seed.id}`);
          case 3:
            return call('PATCH', `/todos/${seed.id}`, { body: { completed: i % 2 === 0 } });
          default:
            return call('DELETE', `/todos/00000000-0000-4000-8000-${String(i).padStart(12, '0')}`);
        }
      }),
    );
    const elapsed = performance.now() - started;
    const expected = Array.from({ length: 100 }, (_, i) => [200, 201, 200, 200, 404][i % 5]);
    expect(results.map((r) => r.statusCode)).toEqual(expected);
    expect(elapsed).toBeLessThan(LAMBDA_POOL.acquire ?? 3_000);
    const connections = await (await database().admin()).query<{ n: string }>(
      "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name <> ''",
    );
    // The pool's connections (the admin clients of this file have no application_name).
    expect(Number(connections.rows[0]?.n)).toBeGreaterThan(0);
    expect(Number(connections.rows[0]?.n)).toBe(1);
  });

  it('when both connections are stuck behind a lock, answers every request within the acquire bound, each a success or a clear 503', async () => {
    const [locked, free] = [await create('locked'), await create('free')];
    const admin = await database().admin();
    await admin.query('BEGIN');
    await admin.query('SELECT 1 FROM todos WHERE id = $1 FOR UPDATE', [locked.todo.id]);
    const acquire = LAMBDA_POOL.acquire ?? 3_000;
    // Held past two acquire timeouts (a request that timed out waiting for a connection is retried once)
    // and past the statement timeout of the PATCHes that got a connection and wait for the lock.
    const holdMs = 2 * acquire + 500;
    const release = new Promise<void>((resolve) => setTimeout(resolve, holdMs)).then(() => admin.query('COMMIT'));
    const timed = async (request: () => Promise<HttpResult>): Promise<{ result: HttpResult; ms: number }> => {
      const started = performance.now();
      const result = await request();
      return { result, ms: performance.now() - started };
    };
    const outcomes = await Promise.all(
      Array.from({ length: 100 }, (_, i) =>
        timed(() => (i % 2 === 0 ? call('PATCH', `/todos/${locked.todo.id}`, { body: { completed: true } }) : call('GET', `/todos/${free.todo.id}`))),
      ),
    );
    await release;
    const statuses = outcomes.map((o) => o.result.statusCode);
    expect(statuses.filter((s) => s !== 200 && s !== 503)).toEqual([]);
    expect(statuses.filter((s) => s === 503).length).toBeGreaterThan(0);
    for (const { result } of outcomes.filter((o) => o.result.statusCode === 503)) {
      const body = expectError(result, 503, 'database_unavailable');
      expect(JSON.stringify(body)).not.toMatch(/Sequelize|timeout exceeded|acquire|SELECT|UPDATE|\n\s+at /i);
    }
    // No request waits for the lock beyond the statement timeout, nor for a connection beyond two acquire timeouts.
    const bound = Math.max(2 * acquire, dbTimeouts().statement_timeout) + holdMs - 2 * acquire + 1_000;
    expect(Math.max(...outcomes.map((o) => o.ms))).toBeLessThan(bound);
    // And the pool is healthy afterwards: the same burst now succeeds entirely.
    const after = await Promise.all(Array.from({ length: 100 }, (_, i) => (i % 2 === 0 ? call('PATCH', `/todos/${locked.todo.id}`, { body: { completed: i % 4 === 0 } }) : call('GET', `/todos/${free.todo.id}`))));
    expect(after.map((r) => r.statusCode)).toEqual(Array(100).fill(200));
  }, 30_000);
});
