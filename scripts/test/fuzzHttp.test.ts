/**
 * The fuzz invariants over real HTTP: 500 generated requests sent with `fetch` to the local API
 * server (the same event mapping as API Gateway, the real handlers, real PostgreSQL), plus hostile
 * titles round-tripped byte-for-byte through the wire.
 */
import fc from 'fast-check';
import type { TodoDto } from '@lambdas/shared';
import { assertNoSecretIn } from '../../testing/logCapture';
import { useMigratedDatabase } from '../../testing/httpApi';
import { HOSTILE_STRINGS, checkResponse, requestArbitrary, watchProcess, type FuzzRequest, type FuzzResponse } from '../../lambdas/todos/test/support/fuzz';
import { startLocalApi, type LocalApi } from '../localApi/server';

const database = useMigratedDatabase();
let api: LocalApi;
let knownIds: string[] = [];
const watcher = watchProcess();

beforeAll(async () => {
  api = await startLocalApi({ port: 0 });
  const admin = await database().admin();
  knownIds = (await admin.query<{ id: string }>(`INSERT INTO todos (title) SELECT 'seed ' || n FROM generate_series(1, 20) n RETURNING id`)).rows.map((r) => r.id);
});
afterAll(async () => {
  watcher.stop();
  await api.close();
});

async function send(request: FuzzRequest): Promise<FuzzResponse> {
  const response = await fetch(`${api.url}${request.url}`, {
    method: request.method,
    headers: request.headers,
    ...(request.body.length > 0 && !['GET', 'HEAD'].includes(request.method.toUpperCase()) ? { body: request.body } : {}),
  });
  const headers: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    headers[name] = value;
  });
  return { status: response.status, headers, body: await response.text() };
}

it('answers 500 random requests over real HTTP without a 5xx, a malformed error or a leak', async () => {
  const statuses = new Map<number, number>();
  await fc.assert(
    fc.asyncProperty(requestArbitrary({ knownIds: () => knownIds, wireSafe: true, maxPathLength: 4_000, maxBodyBytes: 40_000 }), async (request) => {
      // fetch sends no body with GET or HEAD; drop it from the request the checks see, too.
      const sent = ['GET', 'HEAD'].includes(request.method.toUpperCase()) ? { ...request, body: Buffer.alloc(0) } : request;
      const response = await send(sent);
      statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
      checkResponse(sent, response);
      if (response.status === 201) knownIds.push((JSON.parse(response.body) as TodoDto).id);
    }),
    { numRuns: 500, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
  );
  for (const status of [200, 400, 404]) expect(statuses.get(status) ?? 0).toBeGreaterThan(0);
  expect(watcher.failures).toEqual([]);
}, 60_000);

it('round-trips every acceptable hostile title byte-for-byte through HTTP, and refuses the rest with a 400', async () => {
  const titles = [...HOSTILE_STRINGS, '😀'.repeat(200), 'e\u0301'.repeat(100), '\u05D0\u05D1 \u202Bmixed\u202C', "O'Reilly \"q\" \\"];
  for (const title of titles) {
    const created = await fetch(`${api.url}/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title }) });
    const text = await created.text();
    assertNoSecretIn(text, 'a response');
    if (title.includes('\u0000') || /[\uD800-\uDFFF]/u.test(title) || title.trim() === '') {
      expect({ title, status: created.status, code: (JSON.parse(text) as { code: string }).code }).toEqual({ title, status: 400, code: 'validation_failed' });
      continue;
    }
    expect({ title, status: created.status }).toEqual({ title, status: 201 });
    const { id } = JSON.parse(text) as TodoDto;
    const read = await fetch(`${api.url}/todos/${id}`);
    // Compare the raw UTF-8 of the response with what the client encoded: byte-for-byte.
    const bytes = Buffer.from(await read.arrayBuffer());
    expect(Buffer.from((JSON.parse(bytes.toString('utf8')) as TodoDto).title, 'utf8').equals(Buffer.from(title.trim(), 'utf8'))).toBe(true);
    expect(read.headers.get('etag')).toBe('"1"');
  }
  const admin = await database().admin();
  expect((await admin.query<{ t: string | null }>("SELECT to_regclass('public.todos')::text AS t")).rows[0]?.t).toBe('todos');
});

it('makes concurrent conditional PATCHes over HTTP produce exactly one winner', async () => {
  const created = await fetch(`${api.url}/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'http race' }) });
  const { id } = (await created.json()) as TodoDto;
  const etag = created.headers.get('etag') ?? '';
  const results = await Promise.all(
    Array.from({ length: 20 }, (_, i) => fetch(`${api.url}/todos/${id}`, { method: 'PATCH', headers: { 'content-type': 'application/json', 'if-match': etag }, body: JSON.stringify({ title: `w${i}` }) })),
  );
  const statuses = results.map((r) => r.status).sort();
  expect(statuses).toEqual([200, ...Array(19).fill(412)]);
  for (const r of results.filter((x) => x.status === 412)) expect(((await r.json()) as { code: string }).code).toBe('precondition_failed');
});
