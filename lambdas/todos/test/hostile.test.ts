/**
 * Hostile values through the real handler and PostgreSQL: each is either refused with a 400 that
 * says why, or stored and returned exactly (compared as strings and as UTF-8 bytes in the table).
 * Also proves that no request value is spliced into SQL: every statement the driver receives is
 * recorded, and none contains a marker that every hostile value carries.
 */
import pg from 'pg';
import { MAX_BODY_BYTES, TODO_TITLE_MAX, type HttpResult, type TodoDto } from '@lambdas/shared';
import { assertNoSecretIn } from '../../../testing/logCapture';
import { apiEvent, parseBody, testContext, useMigratedDatabase, type EventOptions } from '../../../testing/httpApi';
import { handler } from '../src/handler';
import { HOSTILE_STRINGS } from './support/fuzz';

const database = useMigratedDatabase();
let admin: pg.Client;
beforeAll(async () => {
  admin = await database().admin();
});

async function call(method: string, url: string, options?: EventOptions): Promise<HttpResult> {
  const result = await handler(apiEvent(method, url, options), testContext('todos'));
  expect(result.statusCode).toBeLessThan(500);
  assertNoSecretIn(result.body ?? '', 'a response');
  expect(result.body ?? '').not.toMatch(/\n\s+at |Sequelize|SQLSTATE|invalid byte sequence|syntax error/);
  return result;
}

type ErrorBody = { code: string; message: string; details?: Array<{ in: string; field: string; message: string }> };

function expect400(result: HttpResult, code: string, field?: string): ErrorBody {
  expect({ status: result.statusCode, contentType: result.headers?.['content-type'] }).toEqual({ status: 400, contentType: 'application/json; charset=utf-8' });
  const body = parseBody<ErrorBody>(result);
  expect(body.code).toBe(code);
  if (field !== undefined) expect(body.details?.map((d) => d.field)).toContain(field);
  return body;
}

/** Whether the API's title rule accepts `value` (after trimming), mirroring the documented rule. */
function acceptable(value: string): boolean {
  const trimmed = value.trim();
  return trimmed.length >= 1 && [...trimmed].length <= TODO_TITLE_MAX && !trimmed.includes('\u0000') && !/[\uD800-\uDFFF]/u.test(trimmed);
}

/** The stored title, compared both as text and as its UTF-8 bytes. */
async function expectStored(id: string, title: string): Promise<void> {
  const { rows } = await admin.query<{ title: string; hex: string }>("SELECT title, encode(convert_to(title, 'UTF8'), 'hex') AS hex FROM todos WHERE id = $1", [id]);
  expect(rows).toEqual([{ title, hex: Buffer.from(title, 'utf8').toString('hex') }]);
}

const EXTRA: readonly string[] = [
  'e\u0301'.repeat(100), // 200 code points of combining sequences: the maximum
  'e\u0301'.repeat(101), // 101 user-perceived characters, 202 code points: refused
  '😀'.repeat(200), // 200 astral characters (400 UTF-16 code units): the maximum is counted in code points, as PostgreSQL does
  '😀'.repeat(201), // one over
  '\u05D0\u05D1\u05D2 \u202Bmixed\u202C abc', // RTL with embedding controls
  'Z\u0351\u0364\u036B\u0363\u0342\u0317\u0326a\u0300\u0301\u0302', // zalgo
  '\t leading and trailing whitespace \n',
  '\u3000ideographic space\u3000',
  'tab\tinside\nnewline',
  '\u0001\u0007\u001B[31mANSI\u001B[0m',
  "O'Reilly \"quoted\" `back` \\slash",
  '\uD83D', // lone high surrogate
  '\uDE00x', // lone low surrogate
  '\u0000',
  ' \u0000 ',
  '',
  '   ',
];

describe('hostile titles: rejected with a 400 or stored and returned exactly', () => {
  it.each([...HOSTILE_STRINGS, ...EXTRA].map((value) => [JSON.stringify(value).slice(0, 60), value]))('%s', async (_label, value) => {
    const created = await call('POST', '/todos', { body: { title: value } });
    if (!acceptable(value)) {
      const error = expect400(created, 'validation_failed', 'title');
      if (value.includes('\u0000') && value.trim() !== '') expect(error.details?.[0]?.message).toMatch(/NUL/);
      if (/[\uD800-\uDFFF]/u.test(value)) expect(error.details?.[0]?.message).toMatch(/Unicode|surrogate/);
      return;
    }
    const expected = value.trim();
    expect(created.statusCode).toBe(201);
    const todo = parseBody<TodoDto>(created);
    expect(todo.title).toBe(expected);
    expect(parseBody<TodoDto>(await call('GET', `/todos/${todo.id}`)).title).toBe(expected);
    await expectStored(todo.id, expected);
    // The same value through PATCH, on top of something else.
    await call('PATCH', `/todos/${todo.id}`, { body: { title: 'placeholder' } });
    const patched = await call('PATCH', `/todos/${todo.id}`, { body: { title: value }, headers: { 'if-match': '"2"' } });
    expect(parseBody<TodoDto>(patched).title).toBe(expected);
    await expectStored(todo.id, expected);
  });

  it('keeps the table after storing an SQL injection string, and reads it back verbatim from the list too', async () => {
    const injection = "'); DROP TABLE todos; --";
    const todo = parseBody<TodoDto>(await call('POST', '/todos', { body: { title: injection } }));
    expect((await admin.query<{ t: string | null }>("SELECT to_regclass('public.todos')::text AS t")).rows[0]?.t).toBe('todos');
    const page = parseBody<{ items: TodoDto[] }>(await call('GET', '/todos?limit=100'));
    expect(page.items.find((item) => item.id === todo.id)?.title).toBe(injection);
  });

  it('refuses a body that is not valid UTF-8 instead of storing U+FFFD in place of the bytes', async () => {
    const bytes = Buffer.concat([Buffer.from('{"title":"bad '), Buffer.from([0xff, 0xfe, 0xc0, 0xaf]), Buffer.from('"}')]);
    expect400(await call('POST', '/todos', { body: bytes, binary: true }), 'invalid_json');
    // Valid UTF-8 sent as binary (base64 in the event) is decoded exactly.
    const astral = { title: '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 ☃' };
    const created = await call('POST', '/todos', { body: Buffer.from(JSON.stringify(astral)), binary: true });
    await expectStored(parseBody<TodoDto>(created).id, astral.title);
  });
});

describe('hostile shapes and sizes', () => {
  it('answers a 1 MB title, query value, path and If-Match with a 400, never a 5xx', async () => {
    const mb = 'x'.repeat(1024 * 1024);
    expect400(await call('POST', '/todos', { body: { title: mb } }), 'body_too_large');
    // Refused by its length alone: the decoder never sees a megabyte (one detail, not two).
    expect(expect400(await call('GET', `/todos?cursor=${mb}`), 'validation_failed', 'cursor').details).toEqual([{ in: 'query', field: 'cursor', message: 'Too big: expected string to have <=512 characters' }]);
    expect400(await call('GET', `/todos?limit=${'9'.repeat(100_000)}`), 'validation_failed', 'limit');
    expect400(await call('GET', `/todos/${mb}`), 'validation_failed', 'id');
    const { id } = parseBody<TodoDto>(await call('POST', '/todos', { body: { title: 'tagged' } }));
    expect400(await call('PATCH', `/todos/${id}`, { body: { completed: true }, headers: { 'if-match': mb } }), 'validation_failed', 'if-match');
    // A long but well-formed list of tags is fine: 100,000 tags, one of them current.
    const tags = `${Array.from({ length: 100_000 }, (_, i) => `"${i + 5}"`).join(', ')}, "1"`;
    expect((await call('PATCH', `/todos/${id}`, { body: { completed: true }, headers: { 'if-match': tags } })).statusCode).toBe(200);
  });

  it('parses deep nesting without blowing the stack: under the limit a validation 400, over it body_too_large', async () => {
    const nested = (depth: number, open = '[', close = ']'): string => `${open.repeat(depth)}${close.repeat(depth)}`;
    const depthUnderLimit = Math.floor(MAX_BODY_BYTES / 2) - 10;
    expect400(await call('POST', '/todos', { body: nested(depthUnderLimit) }), 'validation_failed');
    expect400(await call('POST', '/todos', { body: `{"title":${nested(depthUnderLimit - 10)}}` }), 'validation_failed', 'title');
    expect400(await call('POST', '/todos', { body: `{"title":"a","x":${nested(depthUnderLimit - 20)}}` }), 'validation_failed', 'x');
    expect400(await call('POST', '/todos', { body: `${'{"a":'.repeat(2_500)}1${'}'.repeat(2_500)}` }), 'validation_failed');
    for (const depth of [10_000, 100_000]) expect400(await call('POST', '/todos', { body: nested(depth) }), 'body_too_large');
    // The parser itself copes with far more than the limit lets through.
    expect(() => JSON.parse(nested(1_000_000)) as unknown).not.toThrow();
  });

  it('refuses prototype-pollution keys by name and leaves Object.prototype untouched', async () => {
    const { id } = parseBody<TodoDto>(await call('POST', '/todos', { body: { title: 'target' } }));
    const bodies: Array<[string, string]> = [
      ['{"title":"a","__proto__":{"completed":true}}', '__proto__'],
      ['{"__proto__":{"title":"x"}}', '__proto__'],
      ['{"title":"a","constructor":{"prototype":{"polluted":true}}}', 'constructor'],
      ['{"title":"a","prototype":{}}', 'prototype'],
    ];
    for (const [body, field] of bodies) {
      expect400(await call('POST', '/todos', { body }), 'validation_failed', field);
      expect400(await call('PATCH', `/todos/${id}`, { body }), 'validation_failed', field);
    }
    // Unknown query parameters are ignored (a cache-buster must work), these names included: the
    // page is the normal one and nothing reaches a prototype.
    for (const query of ['__proto__=1', 'constructor=1', 'toString=1', '__proto__[limit]=500']) {
      const listed = await call('GET', `/todos?${query}&limit=1`);
      expect([query, listed.statusCode, listed.statusCode === 200 ? parseBody<{ items: unknown[] }>(listed).items.length : listed.body]).toEqual([query, 200, 1]);
    }
    expect((await call('GET', `/todos/${id}`, { headers: { __proto__: 'x', constructor: 'y' } })).statusCode).toBe(200);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).completed).toBeUndefined();
    expect(parseBody<TodoDto>(await call('GET', `/todos/${id}`))).toMatchObject({ title: 'target', completed: false });
    // As data, the same names are just titles.
    for (const title of ['__proto__', 'constructor', 'prototype']) {
      const created = parseBody<TodoDto>(await call('POST', '/todos', { body: { title } }));
      await expectStored(created.id, title);
    }
  });

  it('refuses hostile ids, cursors and limits with a 400 naming the parameter', async () => {
    for (const value of HOSTILE_STRINGS) {
      const encoded = encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));
      expect400(await call('GET', `/todos/${encoded}`), 'validation_failed', 'id');
      expect400(await call('DELETE', `/todos/${encoded}`), 'validation_failed', 'id');
      expect400(await call('GET', `/todos?cursor=${encoded}`), 'validation_failed', 'cursor');
      expect400(await call('GET', `/todos?limit=${encoded}`), 'validation_failed', 'limit');
    }
    expect((await admin.query<{ n: string }>('SELECT count(*) AS n FROM todos')).rows[0]?.n).not.toBeUndefined();
  });

  it('refuses well-formed cursors naming a time PostgreSQL cannot store (year 0000, beyond 9999)', async () => {
    const forge = (t: string): string => Buffer.from(JSON.stringify({ v: 1, t, i: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
    for (const t of ['0000-01-01T00:00:00Z', '0000-12-31T23:59:59.999Z']) {
      expect400(await call('GET', `/todos?cursor=${forge(t)}`), 'validation_failed', 'cursor');
    }
    expect((await call('GET', `/todos?cursor=${forge('0001-01-01T00:00:00Z')}`)).statusCode).toBe(200);
  });
});

describe('nothing reaches SQL unparameterised', () => {
  it('sends every request value as a bind parameter: no statement text ever contains one', async () => {
    const marker = `zq${Date.now().toString(36)}mark`;
    const statements: Array<{ text: string; values: unknown[] }> = [];
    // pg is the driver Sequelize is given (`dialectModule`); every statement passes through Client#query.
    const original = pg.Client.prototype.query;
    const spy = jest.spyOn(pg.Client.prototype, 'query').mockImplementation(function (this: pg.Client, ...args: unknown[]) {
      const [first, second] = args;
      const text = typeof first === 'string' ? first : typeof first === 'object' && first !== null ? String((first as { text?: unknown }).text) : '';
      statements.push({ text, values: Array.isArray(second) ? second : [] });
      return (original as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof pg.Client.prototype.query);
    const ids: string[] = [];
    try {
      for (const hostile of ["'); DROP TABLE todos; --", "' OR '1'='1", '$1', '\\', 'émoji 😀']) {
        const title = `${marker} ${hostile}`;
        const created = await call('POST', '/todos', { body: { title, completed: false } });
        const todo = parseBody<TodoDto>(created);
        ids.push(todo.id);
        await call('GET', `/todos/${todo.id}`);
        const page = parseBody<{ nextCursor: string | null }>(await call('GET', '/todos?limit=1'));
        if (page.nextCursor) await call('GET', `/todos?limit=1&cursor=${page.nextCursor}`);
        await call('PATCH', `/todos/${todo.id}`, { body: { title: `${title}!` }, headers: { 'if-match': String(created.headers?.etag ?? '') } });
        await call('PATCH', `/todos/${todo.id}`, { body: { title: `${title}?` }, headers: { 'if-match': '"1"' } }); // stale: the 412 path
        await call('DELETE', `/todos/${todo.id}`, { headers: { 'if-match': '"2"' } });
      }
    } finally {
      spy.mockRestore();
    }
    const requestStatements = statements.filter((s) => /todos/.test(s.text));
    expect(requestStatements.length).toBeGreaterThanOrEqual(5 * 7);
    for (const { text } of requestStatements) {
      expect(text).not.toContain(marker);
      for (const id of ids) expect(text).not.toContain(id);
    }
    // ...while the values did travel, as parameters.
    expect(requestStatements.some((s) => s.values.some((v) => typeof v === 'string' && v.startsWith(`${marker} '); DROP TABLE`)))).toBe(true);
    expect(requestStatements.some((s) => s.values.includes(ids[0]))).toBe(true);
    expect((await admin.query<{ t: string | null }>("SELECT to_regclass('public.todos')::text AS t")).rows[0]?.t).toBe('todos');
  });
});
