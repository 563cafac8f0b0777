/**
 * Property-based tests over every route, in process: fast-check generates 10,000 requests (random
 * methods, paths, query strings, headers, bodies, base64 flags, sizes beyond the body limit), each
 * turned into the API Gateway event the local server would build and handed to the real function
 * handler (`createHttpHandler`) on the real PostgreSQL. Every response must keep the invariants of
 * `support/fuzz.ts`: no 5xx, the documented error JSON on every 4xx, no stack, SQL or password.
 */
import fc from 'fast-check';
import { findRoute } from '@lambdas/shared/routes';
import { type HttpHandler, type HttpResult, type TodoDto } from '@lambdas/shared';
import { lambdaContext, toHttpApiEvent } from '../../../scripts/localApi/apiGatewayEvent';
import { handler as healthHandler } from '@lambdas/health';
import { useMigratedDatabase } from '../../../testing/httpApi';
import { handler as todosHandler } from '../src/handler';
import { checkResponse, requestArbitrary, watchProcess, type FuzzRequest, type FuzzResponse } from './support/fuzz';

const database = useMigratedDatabase();
const HANDLERS: Record<'todos' | 'health', HttpHandler> = { todos: todosHandler, health: healthHandler };

/** Ids of todos that exist now (refreshed as the fuzzer creates and deletes). */
let knownIds: string[] = [];
let invocations = 0;
const statusCounts = new Map<number, number>();

/** What the local server would do with the request: route it, build the event, call the function. */
async function invoke(request: FuzzRequest): Promise<FuzzResponse> {
  const path = request.url.split('?')[0] ?? '/';
  const match = findRoute(request.method, path);
  const lowerCased = Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value]));
  const event = toHttpApiEvent(
    { method: request.method, url: request.url, headers: lowerCased, body: request.body, sourceIp: '127.0.0.1' },
    match.kind === 'matched' ? { routeKey: match.routeKey, pathParameters: match.pathParameters } : { routeKey: '$default', pathParameters: {} },
  );
  if (request.base64 !== undefined && request.body.length > 0) {
    event.isBase64Encoded = request.base64;
    // A flag that lies about the encoding (text flagged as base64) must be survivable too.
    event.body = request.base64 && (request.body[0] ?? 0) % 2 === 0 ? request.body.toString('base64') : request.body.toString('utf8');
  }
  const fn = match.kind === 'matched' ? match.route.function : invocations % 2 === 0 ? 'todos' : 'health';
  invocations += 1;
  const result: HttpResult = await HANDLERS[fn](event, lambdaContext(fn, `fuzz-${invocations}`));
  statusCounts.set(result.statusCode, (statusCounts.get(result.statusCode) ?? 0) + 1);
  if (match.kind === 'matched' && result.statusCode === 201) knownIds.push((JSON.parse(result.body ?? '{}') as TodoDto).id);
  if (match.kind === 'matched' && result.statusCode === 204) knownIds = knownIds.filter((id) => id !== match.pathParameters.id);
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
  return { status: result.statusCode, headers, body: result.body ?? '' };
}

const watcher = watchProcess();
afterAll(() => watcher.stop());

let admin: Awaited<ReturnType<ReturnType<typeof database>['admin']>>;

beforeAll(async () => {
  admin = await database().admin();
  const { rows } = await admin.query<{ id: string }>(`INSERT INTO todos (title) SELECT 'seed ' || n FROM generate_series(1, 30) n RETURNING id`);
  knownIds = rows.map((row) => row.id);
});

it('answers 9,000 random requests over every route without a 5xx, a malformed error or a leak', async () => {
  await fc.assert(
    fc.asyncProperty(requestArbitrary({ knownIds: () => knownIds, wireSafe: false, maxPathLength: 20_000, maxBodyBytes: 40_000 }), async (request) => {
      const response = await invoke(request);
      checkResponse(request, response);
      // A created todo holds exactly the title sent (trimmed, as documented): nothing altered on the way to SQL and back.
      if (response.status === 201) {
        const sent = JSON.parse(request.body.toString('utf8')) as { title: string };
        expect((JSON.parse(response.body) as TodoDto).title).toBe(sent.title.trim());
      }
    }),
    { numRuns: 9_000, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
  );
  // The generators really reached the database and every outcome, not just the validation layer.
  for (const status of [200, 201, 204, 400, 404, 405, 412]) expect(statusCounts.get(status) ?? 0).toBeGreaterThan(0);
  expect([...statusCounts.keys()].filter((status) => status >= 500)).toEqual([]);
  expect(watcher.failures).toEqual([]);
}, 120_000);

it('keeps the If-Match contract for 1,000 random tag lists: 200 exactly when a strong tag names the current version', async () => {
  // Fresh rows: the previous property may have deleted every todo.
  const ids = (await admin.query<{ id: string }>(`INSERT INTO todos (title) SELECT 'tagged ' || n FROM generate_series(1, 20) n RETURNING id`)).rows.map((row) => row.id);
  const tag = fc.oneof(
    fc.integer({ min: 1, max: 6 }).map((n) => `"${n}"`),
    fc.integer({ min: 1, max: 6 }).map((n) => `W/"${n}"`),
    fc.constantFrom('"x"', '"0"', '"01"', '""', '"1,2"'),
  );
  const header = fc.oneof({ weight: 1, arbitrary: fc.constant<string | undefined>(undefined) }, { weight: 1, arbitrary: fc.constant('*') }, { weight: 6, arbitrary: fc.array(tag, { minLength: 1, maxLength: 4 }).map((tags) => tags.join(', ')) });
  await fc.assert(
    fc.asyncProperty(fc.nat({ max: ids.length - 1 }), header, fc.constantFrom('PATCH', 'DELETE'), fc.boolean(), async (index, ifMatch, method, completed) => {
      const id = ids[index]!;
      const before = await invoke({ method: 'GET', url: `/todos/${id}`, headers: {}, body: Buffer.alloc(0) });
      const request: FuzzRequest = {
        method,
        url: `/todos/${id}`,
        headers: { 'content-type': 'application/json', ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }) },
        body: method === 'PATCH' ? Buffer.from(JSON.stringify({ completed })) : Buffer.alloc(0),
      };
      const response = await invoke(request);
      checkResponse(request, response);
      if (before.status === 404) {
        expect(response.status).toBe(404);
        return;
      }
      const current = before.headers.etag ?? '';
      const strongMatch = ifMatch === undefined || ifMatch === '*' || ifMatch.split(/,\s*/).includes(current);
      expect(response.status).toBe(strongMatch ? (method === 'PATCH' ? 200 : 204) : 412);
      const after = await invoke({ method: 'GET', url: `/todos/${id}`, headers: {}, body: Buffer.alloc(0) });
      if (!strongMatch) expect(after).toEqual(before);
      else if (method === 'DELETE') expect(after.status).toBe(404);
      else expect(after.headers.etag).toBe(`"${Number(JSON.parse(current) as string) + 1}"`);
      // Deleted rows come back, so later runs keep exercising conditional writes.
      if (after.status === 404) await admin.query('INSERT INTO todos (id, title) VALUES ($1, $2) ON CONFLICT DO NOTHING', [id, 'revived']);
    }),
    { numRuns: 1_000, seed: Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31), endOnFailure: true },
  );
  expect(watcher.failures).toEqual([]);
}, 60_000);

it('leaves the table intact and every stored title well-formed', async () => {
  const { rows } = await admin.query<{ title: string }>('SELECT title FROM todos');
  expect(rows.length).toBeGreaterThan(0);
  for (const { title } of rows) {
    expect(title).not.toMatch(/[\uD800-\uDFFF]/u);
    expect(title).not.toContain('\u0000');
    expect(title.trim()).toBe(title);
  }
});
