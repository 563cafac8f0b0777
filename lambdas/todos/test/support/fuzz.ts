/**
 * Generators of hostile and random HTTP requests (fast-check) and the invariants every response
 * must keep, shared by the in-process fuzz suite (`fuzz.test.ts`) and the one over real HTTP
 * (`scripts/test/fuzzHttp.test.ts`).
 */
import fc from 'fast-check';
import { ErrorSchema, TodoPageSchema, TodoSchema } from '@lambdas/shared/api';
import { MAX_BODY_BYTES, encodeCursor } from '@lambdas/shared';
import { assertNoSecretIn } from '../../../../testing/logCapture';

export interface FuzzRequest {
  method: string;
  /** Path plus optional `?query`, as sent on the request line. */
  url: string;
  headers: Record<string, string>;
  body: Buffer;
  /** In-process only: override API Gateway's base64 flag (`undefined`: derived from the content type). */
  base64?: boolean;
}

export interface FuzzResponse {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

/** Values that have broken parsers, SQL builders and encoders elsewhere. */
export const HOSTILE_STRINGS: readonly string[] = [
  "'); DROP TABLE todos; --",
  "' OR '1'='1",
  '"; SELECT pg_sleep(10); --',
  '$1',
  '$$ $tag$ ',
  '\\',
  '\\x00',
  '%00',
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDFFFy',
  '😀🏳️‍🌈👩‍👩‍👧‍👦',
  '\u{10FFFF}',
  'e\u0301\u0302\u0303',
  '\u202Eevil\u202C',
  'مرحبا بالعالم',
  '\uFEFFbom',
  '\u200B',
  '__proto__',
  'constructor',
  'toString',
  '<script>alert(1)</script>',
  '${7*7}{{7*7}}',
  '../../etc/passwd',
  '\r\nX-Injected: 1',
  'null',
  'undefined',
  'NaN',
  '-0',
  '1e309',
];

const uuid = fc.uuid();

/** `encodeURIComponent` that also takes lone surrogates (as the U+FFFD a UTF-8 encoder makes of them). */
const encode = (value: string): string => encodeURIComponent(Buffer.from(value, 'utf8').toString('utf8'));
const someString = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }), fc.string({ unit: 'binary', maxLength: 20 }), fc.constantFrom(...HOSTILE_STRINGS));

/** Header names in random letter case, and values that are legal on the wire. */
const tokenChars = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_!#$%&\'*+.^`|~'.split(''));
const visible = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 60 });
const randomCase = (name: string): fc.Arbitrary<string> =>
  fc.array(fc.boolean(), { minLength: name.length, maxLength: name.length }).map((upper) => [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join(''));

const contentType = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON;CHARSET=UTF-8',
  'application/json; charset=latin1',
  'application/problem+json',
  'text/plain',
  'text/html; charset=utf-16',
  'application/octet-stream',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=xyz',
  'image/png',
  'application/json, text/plain',
  ';;;',
  '',
);

const ifMatch = fc.oneof(
  fc.constantFrom('*', '"1"', 'W/"1"', '"1", "2"', '1', '"', ' , ', '"a,b"', 'W/', '**'),
  fc.integer({ min: 0, max: 2 ** 32 }).map((n) => `"${n}"`),
  visible,
);

export function headersArbitrary(options: { wireSafe: boolean }): fc.Arbitrary<Record<string, string>> {
  const value = options.wireSafe ? visible : fc.oneof(visible, someString);
  const entry = fc.oneof(
    fc.tuple(randomCase('content-type'), contentType),
    fc.tuple(randomCase('if-match'), ifMatch),
    fc.tuple(randomCase('content-encoding'), fc.constantFrom('gzip', 'br', 'identity', 'x-unknown')),
    fc.tuple(randomCase('accept'), fc.constantFrom('*/*', 'application/json', 'text/html', '')),
    fc.tuple(randomCase('x-forwarded-for'), value),
    fc.tuple(
      fc.string({ unit: tokenChars, minLength: 1, maxLength: 20 }).filter((n) => !/^(host|content-length|transfer-encoding|connection|expect|upgrade|keep-alive|te|trailer)$/i.test(n)),
      value,
    ),
  );
  return fc.array(entry, { maxLength: 5 }).map((entries) => {
    // One value per name (case-insensitively), as a client would send it.
    const headers: Record<string, string> = {};
    const seen = new Set<string>();
    for (const [name, v] of entries) {
      if (seen.has(name.toLowerCase())) continue;
      seen.add(name.toLowerCase());
      headers[name] = v;
    }
    return headers;
  });
}

/** Ids: real ones (from `knownIds`), random UUIDs, and everything that is not a UUID. */
function idArbitrary(knownIds: () => readonly string[], maxLength: number): fc.Arbitrary<string> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.nat().map((n) => knownIds()[n % Math.max(1, knownIds().length)] ?? '00000000-0000-4000-8000-000000000000') },
    { weight: 2, arbitrary: uuid },
    { weight: 1, arbitrary: uuid.map((u) => u.toUpperCase()) },
    { weight: 1, arbitrary: fc.constantFrom('..', '.', '%2e%2e', '%2E', '%00', '%ZZ', '%', '%u0041', '%C0%AE', '%E2%80%AE', '%F0%9F%98%80', '%ED%A0%80', '%FF', 'null', '0', '-1', ' ') },
    { weight: 2, arbitrary: someString.map(encode) },
    { weight: 1, arbitrary: fc.string({ unit: tokenChars, maxLength: 60 }) },
    { weight: 1, arbitrary: fc.integer({ min: 100, max: maxLength }).map((n) => 'a'.repeat(n)) },
  );
}

function pathArbitrary(knownIds: () => readonly string[], maxLength: number): fc.Arbitrary<string> {
  const id = idArbitrary(knownIds, maxLength);
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant('/todos') },
    { weight: 8, arbitrary: id.map((i) => `/todos/${i}`) },
    { weight: 1, arbitrary: fc.constant('/health') },
    {
      weight: 2,
      arbitrary: fc.constantFrom('/', '', '/todos/', '//todos', '/todos//', '/TODOS', '/todos/../health', '/todos/./x', '/health/', '/todos/a/b', '/%74odos', '/todos%2F1', '/todos?', '/openapi.json'),
    },
    { weight: 2, arbitrary: fc.webPath({ size: 'small' }) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: maxLength }).map((n) => `/todos/${'%41'.repeat(Math.floor(n / 3))}`) },
  );
}

function queryArbitrary(): fc.Arbitrary<string> {
  const key = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom('limit', 'cursor') },
    { weight: 1, arbitrary: fc.constantFrom('LIMIT', 'page', 'offset', '__proto__', 'constructor', 'toString', 'limit[]', '', 'a.b') },
    { weight: 1, arbitrary: someString },
  );
  const validCursor = fc.tuple(fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }), uuid).map(([createdAt, id]) => encodeCursor({ createdAt, id }));
  const value = fc.oneof(
    fc.integer({ min: -5, max: 200 }).map(String),
    fc.constantFrom('', '1.5', '1e2', '0x10', ' 5', 'NaN', 'Infinity', '-0', '99999999999999999999', '20abc', 'true', '[]'),
    validCursor,
    fc.base64String({ maxLength: 80 }),
    fc.uint8Array({ maxLength: 60 }).map((b) => Buffer.from(b).toString('base64url')),
    fc.string({ maxLength: 600 }),
    someString,
  );
  const pair = fc.tuple(key, value, fc.boolean()).map(([k, v, encoded]) => (encoded ? `${encode(k)}=${encode(v)}` : `${k.replace(/[#?\s]/g, '')}=${v.replace(/[#\s]/g, '')}`));
  return fc.oneof({ weight: 2, arbitrary: fc.constant('') }, { weight: 5, arbitrary: fc.array(pair, { minLength: 1, maxLength: 4 }).map((pairs) => `?${pairs.join('&')}`) }, { weight: 1, arbitrary: fc.constantFrom('?', '?&&', '?=', '?limit', '?%', '?limit=%ZZ') });
}

const titleArbitrary = fc.oneof(someString, fc.string({ minLength: 1, maxLength: 200 }), fc.integer({ min: 190, max: 210 }).map((n) => 't'.repeat(n)));

/** Bodies of the shape the API expects, with random (often hostile) values. */
const wellShapedBody = fc.oneof(
  fc.record({ title: titleArbitrary, completed: fc.boolean() }, { requiredKeys: ['title'] }),
  fc.record({ title: titleArbitrary, completed: fc.boolean() }, { requiredKeys: [] }),
);

function bodyArbitrary(maxBytes: number): fc.Arbitrary<Buffer> {
  const title = titleArbitrary;
  const plausible = fc.oneof(
    fc.record({ title }, { requiredKeys: [] }),
    fc.record({ title, completed: fc.oneof(fc.boolean(), fc.constantFrom(0, 1, 'true', null)) }, { requiredKeys: [] }),
    fc.record({ completed: fc.boolean() }),
    fc.dictionary(fc.oneof(fc.constantFrom('title', 'completed', '__proto__', 'constructor', 'prototype', 'id', 'version'), fc.string({ maxLength: 8 })), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }),
  );
  return fc.oneof(
    { weight: 3, arbitrary: fc.constant(Buffer.alloc(0)) },
    { weight: 8, arbitrary: plausible.map((v) => Buffer.from(JSON.stringify(v))) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => Buffer.from(JSON.stringify(v) ?? 'null')) },
    { weight: 2, arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)) },
    { weight: 1, arbitrary: fc.constantFrom(' ', '\n\t', '{', '}', '{"title":', '[', 'null', 'true', '0', '""', '{"title":"a"}garbage', '\uFEFF{"title":"bom"}', '{"title":"a","title":"b"}').map((s) => Buffer.from(s)) },
    { weight: 2, arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 12_000 }).map((depth) => Buffer.from(`${'['.repeat(depth)}${']'.repeat(depth)}`)) },
    {
      weight: 1,
      arbitrary: fc.integer({ min: MAX_BODY_BYTES - 64, max: maxBytes }).map((size) => {
        const pad = Math.max(0, size - 30);
        return Buffer.from(JSON.stringify({ title: 'big', pad: 'p'.repeat(pad) }));
      }),
    },
  );
}

export interface RequestArbitraryOptions {
  /** Ids of todos that exist, so that many requests reach real rows. */
  knownIds: () => readonly string[];
  /** Only what an HTTP client can put on the wire (methods Node's parser accepts, legal header values). */
  wireSafe: boolean;
  maxPathLength: number;
  maxBodyBytes: number;
}

export function requestArbitrary(options: RequestArbitraryOptions): fc.Arbitrary<FuzzRequest> {
  const known = fc.constantFrom('GET', 'POST', 'PATCH', 'DELETE');
  const method = options.wireSafe
    ? fc.oneof({ weight: 8, arbitrary: known }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'HEAD', 'OPTIONS', 'get', 'post', 'delete') })
    : fc.oneof({ weight: 8, arbitrary: known }, { weight: 1, arbitrary: fc.constantFrom('PUT', 'HEAD', 'OPTIONS', 'TRACE', 'patch', 'Get', '') }, { weight: 1, arbitrary: fc.string({ unit: tokenChars, maxLength: 12 }) });
  // Most requests name a real route with a fitting method, so that they get past routing and reach
  // validation and the database; the rest are random in every part.
  const id = fc.oneof({ weight: 5, arbitrary: fc.nat().map((n) => options.knownIds()[n % Math.max(1, options.knownIds().length)] ?? '00000000-0000-4000-8000-000000000000') }, { weight: 1, arbitrary: idArbitrary(options.knownIds, 300) });
  const jsonHeaders = fc.tuple(headersArbitrary({ wireSafe: options.wireSafe }), randomCase('content-type')).map(([headers, name]) => ({ [name]: 'application/json', ...headers }));
  const routed = fc.oneof(
    fc.record({ method: fc.constant('GET'), url: queryArbitrary().map((q) => `/todos${q}`), headers: headersArbitrary({ wireSafe: options.wireSafe }), body: fc.constant(Buffer.alloc(0)) }),
    fc.record({ method: fc.constant('POST'), url: fc.constant('/todos'), headers: jsonHeaders, body: fc.oneof(wellShapedBody.map((b) => Buffer.from(JSON.stringify(b))), bodyArbitrary(options.maxBodyBytes)) }),
    fc.record({ method: fc.constant('GET'), url: id.map((i) => `/todos/${i}`), headers: headersArbitrary({ wireSafe: options.wireSafe }), body: fc.constant(Buffer.alloc(0)) }),
    fc.record({ method: fc.constant('PATCH'), url: id.map((i) => `/todos/${i}`), headers: jsonHeaders, body: fc.oneof(wellShapedBody.map((b) => Buffer.from(JSON.stringify(b))), bodyArbitrary(options.maxBodyBytes)) }),
    fc.record({ method: fc.constant('DELETE'), url: id.map((i) => `/todos/${i}`), headers: headersArbitrary({ wireSafe: options.wireSafe }), body: fc.constant(Buffer.alloc(0)) }),
    fc.record({ method: fc.constant('GET'), url: fc.constant('/health'), headers: headersArbitrary({ wireSafe: options.wireSafe }), body: fc.constant(Buffer.alloc(0)) }),
  );
  const random = fc
    .record({
      method,
      path: pathArbitrary(options.knownIds, options.maxPathLength),
      query: queryArbitrary(),
      headers: headersArbitrary({ wireSafe: options.wireSafe }),
      body: bodyArbitrary(options.maxBodyBytes),
      base64: options.wireSafe ? fc.constant(undefined) : fc.option(fc.boolean(), { nil: undefined, freq: 3 }),
    })
    .map(({ method, path, query, headers, body, base64 }): FuzzRequest => ({ method, url: `${path}${query}`, headers, body, ...(base64 === undefined ? {} : { base64 }) }));
  return fc.oneof({ weight: 3, arbitrary: routed.map((request): FuzzRequest => request) }, { weight: 2, arbitrary: random });
}

/** Markers of internals that must never reach a client: stack frames, SQL, driver and ORM messages. */
const STACK = /\n\s+at |\bat [\w$.<>]+ \(.*:\d+:\d+\)|node:internal|\/node_modules\//;
const SQL = /\b(SELECT\s.+\sFROM|INSERT INTO|UPDATE todos|DELETE FROM|RETURNING)\b|syntax error at|violates|relation "|SQLSTATE|Sequelize|invalid byte sequence|ECONNREFUSED|password authentication/i;

/**
 * The invariants of every response: no 5xx (the database is up), a JSON error body of the documented
 * shape with every 4xx, a valid resource with every 2xx, and nothing internal or secret anywhere.
 * The request's own method and path may be echoed in a 404 message; they are removed before the scan.
 */
export function checkResponse(request: FuzzRequest, response: FuzzResponse): void {
  const describe = (): string => `${request.method} ${request.url.slice(0, 200)} → ${response.status} ${response.body.slice(0, 300)}`;
  if (response.status >= 500) throw new Error(`5xx: ${describe()}`);
  assertNoSecretIn(response.body, 'a response body');
  assertNoSecretIn(JSON.stringify(response.headers), 'response headers');
  const path = request.url.split('?')[0] ?? '';
  let scanned = response.body;
  for (const echoed of [path, decodeURIComponentSafe(path), request.method]) if (echoed.length > 0) scanned = scanned.split(JSON.stringify(echoed).slice(1, -1)).join('');
  if (response.status >= 400) {
    if (STACK.test(scanned) || SQL.test(scanned)) throw new Error(`Internals in an error response: ${describe()}`);
    if (request.method.toUpperCase() === 'HEAD' && response.body === '') return;
    if (response.headers['content-type'] !== 'application/json; charset=utf-8') throw new Error(`Error without JSON content type: ${describe()}`);
    const parsed = ErrorSchema.safeParse(JSON.parse(response.body));
    if (!parsed.success) throw new Error(`Error body not of the documented shape: ${describe()}`);
    return;
  }
  if (STACK.test(scanned)) throw new Error(`Stack trace in a response: ${describe()}`);
  if (response.status === 204) {
    if (response.body !== '') throw new Error(`204 with a body: ${describe()}`);
    return;
  }
  if (request.method.toUpperCase() === 'HEAD') return;
  if (response.headers['content-type'] !== 'application/json; charset=utf-8') throw new Error(`2xx without JSON content type: ${describe()}`);
  const json: unknown = JSON.parse(response.body);
  const isPage = TodoPageSchema.safeParse(json).success;
  const isTodo = TodoSchema.safeParse(json).success;
  const isHealth = typeof json === 'object' && json !== null && (json as { status?: unknown }).status === 'ok';
  // The local server also serves its OpenAPI document.
  const isOpenApi = path === '/openapi.json' && typeof json === 'object' && json !== null && (json as { openapi?: unknown }).openapi === '3.1.0';
  if (!isPage && !isTodo && !isHealth && !isOpenApi) throw new Error(`2xx body is not a documented resource: ${describe()}`);
  if (isTodo && !/^"[1-9][0-9]*"$/.test(response.headers.etag ?? '')) throw new Error(`Todo without a strong ETag: ${describe()}`);
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Records unhandled rejections and uncaught exceptions while a suite runs ("the process never crashes"). */
export function watchProcess(): { failures: unknown[]; stop: () => void } {
  const failures: unknown[] = [];
  const record = (error: unknown): void => {
    failures.push(error);
  };
  process.on('unhandledRejection', record);
  process.on('uncaughtException', record);
  return {
    failures,
    stop: () => {
      process.off('unhandledRejection', record);
      process.off('uncaughtException', record);
    },
  };
}
