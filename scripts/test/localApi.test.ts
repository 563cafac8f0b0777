import { randomUUID } from 'node:crypto';
import { capturedLogs, logMark } from '../../testing/logCapture';
import { buildOpenApiDocument } from '@lambdas/shared/api';
import { type TodoDto, type TodoPage } from '@lambdas/shared';
import { useMigratedDatabase } from '../../testing/httpApi';
import { fromHttpApiResult, toHttpApiEvent } from '../localApi/apiGatewayEvent';
import { startLocalApi, type LocalApi, type RequestLog } from '../localApi/server';
import { main as invokeMain } from '../invokeClient';

useMigratedDatabase();
let api: LocalApi;
const requests: RequestLog[] = [];

beforeAll(async () => {
  api = await startLocalApi({ port: 0, onRequest: (entry) => requests.push(entry) });
});
afterAll(async () => {
  await api.close();
});

async function send(method: string, path: string, body?: unknown): Promise<{ status: number; headers: Headers; json: () => Promise<unknown> }> {
  const response = await fetch(`${api.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  return { status: response.status, headers: response.headers, json: () => response.json() as Promise<unknown> };
}

async function expectError(method: string, path: string, status: number, code: string, body?: unknown): Promise<Headers> {
  const response = await send(method, path, body);
  expect({ status: response.status, contentType: response.headers.get('content-type'), code: ((await response.json()) as { code: string }).code }).toEqual({
    status,
    contentType: 'application/json; charset=utf-8',
    code,
  });
  return response.headers;
}

it('serves a full CRUD round trip over real HTTP', async () => {
  const created = await send('POST', '/todos', { title: 'Write the README' });
  expect(created.status).toBe(201);
  const todo = (await created.json()) as TodoDto;
  expect(created.headers.get('location')).toBe(`/todos/${todo.id}`);

  expect(await (await send('GET', `/todos/${todo.id}`)).json()).toEqual(todo);
  const patched = await send('PATCH', `/todos/${todo.id}`, { completed: true, title: 'Write the README!' });
  expect(patched.status).toBe(200);
  expect(await patched.json()).toMatchObject({ id: todo.id, title: 'Write the README!', completed: true });
  expect(((await (await send('GET', '/todos')).json()) as TodoPage).items.map((t) => t.id)).toContain(todo.id);

  const deleted = await fetch(`${api.url}/todos/${todo.id}`, { method: 'DELETE' });
  expect(deleted.status).toBe(204);
  expect(await deleted.text()).toBe('');
  await expectError('GET', `/todos/${todo.id}`, 404, 'not_found');
});

it('pages through 250 rows, newest first, with no duplicate or missing row while new rows arrive', async () => {
  const titles = Array.from({ length: 250 }, (_, i) => `page-test ${i}`);
  const created: TodoDto[] = [];
  for (let i = 0; i < titles.length; i += 25) {
    const batch = await Promise.all(titles.slice(i, i + 25).map(async (title) => (await send('POST', '/todos', { title })).json() as Promise<TodoDto>));
    created.push(...batch);
  }
  const existing = new Set(created.map((t) => t.id));
  const seen: TodoDto[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const response = await send('GET', `/todos?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(response.status).toBe(200);
    const page = (await response.json()) as TodoPage;
    seen.push(...page.items.filter((t) => t.title.startsWith('page-test') || t.title.startsWith('late')));
    cursor = page.nextCursor;
    pages += 1;
    // Rows inserted mid-way are newer than every cursor: they must not shift the remaining pages.
    if (pages === 3) for (let i = 0; i < 5; i += 1) await send('POST', '/todos', { title: `late ${i}` });
  } while (cursor !== null);

  const ids = seen.map((t) => t.id);
  expect(new Set(ids).size).toBe(ids.length);
  expect(ids.filter((id) => existing.has(id)).sort()).toEqual([...existing].sort());
  expect(ids.every((id) => existing.has(id))).toBe(true);
  expect(pages).toBe(Math.ceil(250 / 7));
  const order = seen.map((t) => [t.createdAt, t.id] as const);
  for (let i = 1; i < order.length; i += 1) {
    const [previous, current] = [order[i - 1]!, order[i]!];
    expect(previous[0] > current[0] || (previous[0] === current[0] && previous[1] > current[1])).toBe(true);
  }
});

it('answers every client error as JSON with the right status', async () => {
  await expectError('POST', '/todos', 400, 'invalid_json', '{"title":');
  await expectError('POST', '/todos', 400, 'body_required');
  await expectError('POST', '/todos', 400, 'body_too_large', { title: 'x'.repeat(20_000) });
  await expectError('POST', '/todos', 400, 'validation_failed', { title: 'ok', extra: true });
  await expectError('GET', '/todos?limit=500', 400, 'validation_failed');
  await expectError('GET', '/todos?cursor=bogus', 400, 'validation_failed');
  await expectError('GET', '/todos/not-a-uuid', 400, 'validation_failed');
  await expectError('PATCH', '/todos/00000000-0000-4000-8000-000000000000', 404, 'not_found', { completed: true });
  await expectError('GET', '/nowhere', 404, 'not_found');
  expect((await expectError('PUT', '/todos/00000000-0000-4000-8000-000000000000', 405, 'method_not_allowed', { title: 'x' })).get('allow')).toBe('GET, PATCH, DELETE');
  expect((await expectError('DELETE', '/health', 405, 'method_not_allowed')).get('allow')).toBe('GET');
});

it('serves /health and the generated OpenAPI document', async () => {
  expect(await (await send('GET', '/health')).json()).toMatchObject({ status: 'ok', database: 'ok' });
  const openapi = await send('GET', '/openapi.json');
  expect(openapi.headers.get('content-type')).toBe('application/json; charset=utf-8');
  expect(await openapi.json()).toEqual(JSON.parse(JSON.stringify(buildOpenApiDocument(api.url))));
});

it('reports one log entry per request with method, path, status and duration', async () => {
  const before = requests.length;
  await send('GET', '/todos?limit=1');
  await new Promise((resolve) => setTimeout(resolve, 10));
  expect(requests.slice(before)).toEqual([{ method: 'GET', path: '/todos', status: 200, ms: expect.any(Number) }]);
});

it('keeps each concurrent request\'s log keys its own, as Lambda\'s multi-concurrency runtime does', async () => {
  const mark = logMark();
  const paths = Array.from({ length: 20 }, () => `/todos/${randomUUID()}`);
  const responses = await Promise.all(paths.map((path) => fetch(`${api.url}${path}`)));
  const pathOf = new Map(responses.map((response, i) => [response.headers.get('apigw-requestid'), paths[i]]));
  expect(pathOf.size).toBe(paths.length);
  const completed = capturedLogs(mark).filter((line) => line.message === 'Request completed');
  expect(completed).toHaveLength(paths.length);
  // Without a context per invocation, the keys of whichever request started last win on every line.
  for (const line of completed) expect({ requestId: line.function_request_id, path: line.path }).toEqual({ requestId: line.function_request_id, path: pathOf.get(line.function_request_id as string) });
});

it('`pnpm invoke --url` drives the local API end to end: signed IAM routes, public health, exit codes', async () => {
  const invoke = async (...argv: string[]): Promise<{ code: number; out: string[]; err: string[] }> => {
    const out: string[] = [];
    const err: string[] = [];
    const code = await invokeMain([...argv, '--url', api.url, '--region', 'eu-west-1'], { out: (t) => out.push(t), err: (t) => err.push(t) }, '/nonexistent/amplify_outputs.json', {
      credentials: { accessKeyId: 'AKIDLOCALINVOKE', secretAccessKey: 'local-invoke-secret' },
    });
    return { code, out, err };
  };
  const created = await invoke('POST', '/todos', '{"title":"from pnpm invoke"}');
  expect(created.code).toBe(0);
  expect(created.err.join('\n')).toMatch(/HTTP 201 \(SigV4-signed\)/);
  const todo = JSON.parse(created.out.join('\n')) as TodoDto;
  expect(todo.title).toBe('from pnpm invoke');
  const read = await invoke('GET', `/todos/${todo.id}`);
  expect([read.code, (JSON.parse(read.out.join('\n')) as TodoDto).id]).toEqual([0, todo.id]);
  const health = await invoke('GET', '/health');
  expect(health.err.join('\n')).toMatch(/HTTP 200$/m); // public: sent unsigned
  const missing = await invoke('GET', `/todos/${randomUUID()}`);
  expect([missing.code, missing.err.join('\n')]).toEqual([1, expect.stringMatching(/HTTP 404/)]);
});

describe('the API Gateway event and result mapping', () => {
  it('builds a payload 2.0 event: lower-case headers, joined repeated query values, cookies, path parameters', () => {
    const event = toHttpApiEvent(
      { method: 'get', url: '/todos/abc?limit=5&tag=a&tag=b%20c', headers: { Host: 'x.local', cookie: 'a=1; b=2', 'X-Trace': 't' }, body: Buffer.alloc(0), sourceIp: '10.0.0.1' },
      { routeKey: 'GET /todos/{id}', pathParameters: { id: 'abc' } },
      new Date('2026-11-25T01:02:03Z'),
    );
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /todos/{id}',
      rawPath: '/todos/abc',
      rawQueryString: 'limit=5&tag=a&tag=b%20c',
      cookies: ['a=1', 'b=2'],
      headers: { host: 'x.local', 'x-trace': 't' },
      queryStringParameters: { limit: '5', tag: 'a,b c' },
      pathParameters: { id: 'abc' },
      isBase64Encoded: false,
      requestContext: { http: { method: 'GET', path: '/todos/abc', sourceIp: '10.0.0.1' }, routeKey: 'GET /todos/{id}', stage: '$default', time: '25/Nov/2026:01:02:03 +0000' },
    });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
  });

  it('passes JSON bodies as text and binary bodies base64-encoded', () => {
    const target = { routeKey: 'POST /todos', pathParameters: {} };
    const json = toHttpApiEvent({ method: 'POST', url: '/todos', headers: { 'content-type': 'application/json' }, body: Buffer.from('{"a":1}'), sourceIp: '::1' }, target);
    expect(json).toMatchObject({ body: '{"a":1}', isBase64Encoded: false });
    const binary = toHttpApiEvent({ method: 'POST', url: '/todos', headers: { 'content-type': 'image/png' }, body: Buffer.from([0, 255]), sourceIp: '::1' }, target);
    expect(binary).toMatchObject({ body: 'AP8=', isBase64Encoded: true });
  });

  it('reads results as API Gateway does: structured, base64, or a bare value as 200 JSON', () => {
    expect(fromHttpApiResult({ statusCode: 201, headers: { 'X-A': 'b' }, body: 'aGk=', isBase64Encoded: true, cookies: ['s=1'] })).toEqual({
      statusCode: 201,
      headers: { 'x-a': 'b', 'set-cookie': ['s=1'] },
      body: Buffer.from('hi'),
    });
    expect(fromHttpApiResult({ hello: 'world' } as never)).toEqual({ statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from('{"hello":"world"}') });
  });
});
