/**
 * CORS on the local API (`pnpm dev`), over real HTTP, as API Gateway applies the same policy
 * (lambdas/shared/src/api/cors.ts; the synthesised configuration is checked in amplify/test).
 */
import { CORS_POLICY, parseCorsOrigins } from '@lambdas/shared/cors';
import { ROUTES } from '@lambdas/shared/routes';
import { capturedLogs, logMark } from '../../testing/logCapture';
import { useMigratedDatabase } from '../../testing/httpApi';
import { startLocalApi, type LocalApi, type RequestLog } from '../localApi/server';

useMigratedDatabase();
const APP = 'http://localhost:5173';
let open: LocalApi; // any origin, as `pnpm dev` by default
let restricted: LocalApi; // DEV_CORS_ORIGINS=https://app.example.com
const requests: RequestLog[] = [];

beforeAll(async () => {
  open = await startLocalApi({ onRequest: (entry) => requests.push(entry) });
  restricted = await startLocalApi({ corsOrigins: ['https://app.example.com'] });
});
afterAll(async () => {
  await open.close();
  await restricted.close();
});

const preflight = (api: LocalApi, path: string, origin = APP, method = 'PATCH'): Promise<Response> =>
  fetch(`${api.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type,if-match,authorization' } });

it('answers a preflight on every path of the manifest itself, with the policy, without running a function', async () => {
  const paths = [...new Set(ROUTES.map((route) => route.path.replace('{id}', '00000000-0000-4000-8000-000000000000')))];
  const mark = logMark();
  for (const path of paths) {
    const response = await preflight(open, path);
    expect([path, response.status, await response.text()]).toEqual([path, 204, '']);
    expect(Object.fromEntries([...response.headers].filter(([name]) => name.startsWith('access-control-')))).toEqual({
      'access-control-allow-origin': '*',
      'access-control-allow-methods': CORS_POLICY.allowMethods.join(','),
      'access-control-allow-headers': CORS_POLICY.allowHeaders.join(','),
      'access-control-max-age': '3600',
    });
  }
  // No handler ran: a function logs "Request completed" for every invocation.
  expect(capturedLogs(mark).filter((line) => line.message === 'Request completed')).toEqual([]);
  expect(CORS_POLICY.allowHeaders).toEqual(expect.arrayContaining(['if-match', 'if-none-match', 'authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'content-type']));
});

it('adds the allowed origin and the exposed headers (ETag, Location, request id) to real responses', async () => {
  const created = await fetch(`${open.url}/todos`, { method: 'POST', headers: { origin: APP, 'content-type': 'application/json' }, body: JSON.stringify({ title: 'cors' }) });
  expect(created.status).toBe(201);
  expect(created.headers.get('access-control-allow-origin')).toBe('*');
  expect(created.headers.get('access-control-expose-headers')?.split(',')).toEqual(['etag', 'location', 'apigw-requestid', 'x-amzn-errortype', 'retry-after']);
  expect(created.headers.get('etag')).toBe('"1"');
  // Errors carry them too, or a page could not read why its request failed.
  const invalid = await fetch(`${open.url}/todos`, { method: 'POST', headers: { origin: APP, 'content-type': 'application/json' }, body: '{}' });
  expect([invalid.status, invalid.headers.get('access-control-allow-origin')]).toEqual([400, '*']);
  // Without Origin (curl, a backend), no CORS headers: as API Gateway.
  const plain = await fetch(`${open.url}/health`);
  expect(plain.headers.get('access-control-allow-origin')).toBeNull();
});

it('an unsupported method still gets the JSON 405, and a bare OPTIONS (no preflight) is one too', async () => {
  const put = await fetch(`${open.url}/todos`, { method: 'PUT', headers: { origin: APP } });
  expect([put.status, put.headers.get('allow'), put.headers.get('access-control-allow-origin')]).toEqual([405, 'GET, POST', '*']);
  expect(await put.json()).toMatchObject({ code: 'method_not_allowed' });
  const options = await fetch(`${open.url}/todos`, { method: 'OPTIONS' });
  expect([options.status, ((await options.json()) as { code: string }).code]).toEqual([405, 'method_not_allowed']);
});

it('with DEV_CORS_ORIGINS set, only those origins get CORS headers', async () => {
  const allowed = await preflight(restricted, '/todos', 'https://app.example.com');
  expect([allowed.status, allowed.headers.get('access-control-allow-origin'), allowed.headers.get('vary')]).toEqual([204, 'https://app.example.com', 'origin']);
  const refused = await preflight(restricted, '/todos', 'https://evil.example');
  expect(refused.status).toBe(204);
  expect([...refused.headers.keys()].filter((name) => name.startsWith('access-control-'))).toEqual([]);
  const read = await fetch(`${restricted.url}/health`, { headers: { origin: 'https://evil.example' } });
  expect([read.status, read.headers.get('access-control-allow-origin'), read.headers.get('vary')]).toEqual([200, null, 'origin']);
  const readAllowed = await fetch(`${restricted.url}/health`, { headers: { origin: 'https://app.example.com' } });
  expect(readAllowed.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
});

it('ignores unknown query parameters such as a cache-buster, but not unknown body fields', async () => {
  const listed = await fetch(`${open.url}/todos?_=1701&limit=1`);
  expect(listed.status).toBe(200);
  expect(((await listed.json()) as { items: unknown[] }).items).toHaveLength(1);
  const extra = await fetch(`${open.url}/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'x', extra: 1 }) });
  expect([extra.status, ((await extra.json()) as { code: string }).code]).toEqual([400, 'validation_failed']);
});

it('parses origin lists: the default is any origin, malformed entries are named', () => {
  expect(parseCorsOrigins(undefined, 'DEV_CORS_ORIGINS')).toEqual({ origins: ['*'], problems: [] });
  expect(parseCorsOrigins(' https://a.example , http://localhost:5173 ', 'X')).toEqual({ origins: ['https://a.example', 'http://localhost:5173'], problems: [] });
  expect(parseCorsOrigins('a.example,https://b.example/path', 'X').problems).toEqual([
    'X: "a.example" is not an origin (https://host[:port]) or *',
    'X: "https://b.example/path" is not an origin (https://host[:port]) or *',
  ]);
});
