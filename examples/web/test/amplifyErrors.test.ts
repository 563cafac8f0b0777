/**
 * Amplify JS v6 (the library the example client uses), in Node, against the real local API: every
 * error the API answers over HTTP must reach the caller as an `ApiError` named after the API's
 * stable `code` and carrying its `message` — which holds only when error bodies are flat
 * (`{ code, message, details? }`); a nested body reads as "UnknownError: Unknown error". Also that a
 * success exposes the `etag` header, and the client's own `src/api.ts` on top of it.
 */
import { randomUUID } from 'node:crypto';
import { Amplify } from 'aws-amplify';
import { ApiError, del, get, patch, post, put } from 'aws-amplify/api';
import { useMigratedDatabase, reconnectFromEnv } from '../../../testing/httpApi';
import { startLocalApi, type LocalApi } from '../../../scripts/localApi/server';
import { freePort } from '../../../tools/localPostgres';
import { API_NAME, createTodo, deleteTodo, describeError, getTodo, isConflict, listTodos, updateTodo } from '../src/api';

useMigratedDatabase();
let api: LocalApi;

beforeAll(async () => {
  api = await startLocalApi({ port: 0 });
  // Exactly what the client does in local mode: an endpoint, no region, no Auth → unsigned requests.
  Amplify.configure({ API: { REST: { [API_NAME]: { endpoint: api.url } } } });
});
afterAll(async () => {
  await api?.close();
});

/** Amplify retries 5xx with backoff by default; the tests want the first answer. */
const noRetry = { strategy: 'no-retry' } as const;

interface ApiErrorBody {
  code: string;
  message: string;
  details?: Array<{ in: string; field: string; message: string }>;
}

/**
 * Runs `operation`, expects it to throw an ApiError, and checks it against the raw response the
 * error carries: status, `name` = the body's `code`, `message` = the body's `message`.
 */
async function expectApiError(operation: { response: Promise<unknown> }, status: number, code: string): Promise<ApiErrorBody> {
  const error: unknown = await operation.response.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApiError);
  const apiError = error as ApiError;
  const body = JSON.parse(apiError.response?.body ?? 'null') as ApiErrorBody;
  expect({ status: apiError.response?.statusCode, name: apiError.name, message: apiError.message }).toEqual({ status, name: code, message: body.message });
  expect(body.code).toBe(code);
  expect(typeof body.message).toBe('string');
  expect(body.message).not.toBe('');
  return body;
}

describe('Amplify JS names every API error after its code', () => {
  it('400 invalid_json', async () => {
    // Amplify JSON-encodes every object or string body; FormData is the one body it sends as is, and
    // a multipart body is not JSON.
    const form = new FormData();
    form.append('title', 'not json');
    await expectApiError(post({ apiName: API_NAME, path: '/todos', options: { body: form } }), 400, 'invalid_json');
  });

  it('400 body_required and 400 body_too_large', async () => {
    await expectApiError(post({ apiName: API_NAME, path: '/todos' }), 400, 'body_required');
    await expectApiError(post({ apiName: API_NAME, path: '/todos', options: { body: { title: 'x'.repeat(20_000) } } }), 400, 'body_too_large');
  });

  it('400 validation_failed, with details naming the field', async () => {
    const body = await expectApiError(post({ apiName: API_NAME, path: '/todos', options: { body: { title: '' } } }), 400, 'validation_failed');
    expect(body.details).toEqual([expect.objectContaining({ in: 'body', field: 'title', message: expect.any(String) })]);

    const header = await expectApiError(
      patch({ apiName: API_NAME, path: `/todos/${randomUUID()}`, options: { body: { completed: true }, headers: { 'if-match': '3' } } }),
      400,
      'validation_failed',
    );
    expect(header.details).toEqual([expect.objectContaining({ in: 'header', field: 'if-match' })]);
  });

  it('404 not_found, for a missing todo and for a path no route has', async () => {
    await expectApiError(get({ apiName: API_NAME, path: `/todos/${randomUUID()}` }), 404, 'not_found');
    await expectApiError(get({ apiName: API_NAME, path: '/nowhere' }), 404, 'not_found');
  });

  it('405 method_not_allowed, with the Allow header readable', async () => {
    const operation = put({ apiName: API_NAME, path: '/todos', options: { body: { title: 'x' } } });
    await expectApiError(operation, 405, 'method_not_allowed');
    const error = (await operation.response.catch((thrown: unknown) => thrown)) as ApiError;
    expect(error.response?.headers.allow).toBe('GET, POST');
  });

  it('412 precondition_failed on a stale If-Match, and the success carries the etag header', async () => {
    const created = await post({ apiName: API_NAME, path: '/todos', options: { body: { title: 'etag via Amplify' } } }).response;
    expect(created.statusCode).toBe(201);
    expect(created.headers.etag).toBe('"1"');
    const { id } = (await created.body.json()) as { id: string };

    const read = await get({ apiName: API_NAME, path: `/todos/${id}` }).response;
    expect(read.headers.etag).toBe('"1"');
    const updated = await patch({ apiName: API_NAME, path: `/todos/${id}`, options: { body: { completed: true }, headers: { 'if-match': '"1"' } } }).response;
    expect(updated.headers.etag).toBe('"2"');

    await expectApiError(patch({ apiName: API_NAME, path: `/todos/${id}`, options: { body: { completed: false }, headers: { 'if-match': '"1"' } } }), 412, 'precondition_failed');
    await expectApiError(del({ apiName: API_NAME, path: `/todos/${id}`, options: { headers: { 'if-match': '"1"' } } }), 412, 'precondition_failed');
  });

  it('503 database_unavailable while the database does not answer (GET /todos and GET /health)', async () => {
    const saved = process.env.DB_PORT;
    process.env.DB_PORT = String(await freePort());
    await reconnectFromEnv();
    try {
      await expectApiError(get({ apiName: API_NAME, path: '/todos', options: { retryStrategy: noRetry } }), 503, 'database_unavailable');
      await expectApiError(get({ apiName: API_NAME, path: '/health', options: { retryStrategy: noRetry } }), 503, 'database_unavailable');
    } finally {
      process.env.DB_PORT = saved;
      await reconnectFromEnv();
    }
    expect((await get({ apiName: API_NAME, path: '/todos' }).response).statusCode).toBe(200);
  });

  it('ignores unknown query parameters (a cache-buster such as ?_=1701)', async () => {
    const response = await get({ apiName: API_NAME, path: '/todos', options: { queryParams: { _: '1701', limit: '1' } } }).response;
    expect(response.statusCode).toBe(200);
    const page = (await response.body.json()) as { items: unknown[]; nextCursor: string | null };
    expect(Array.isArray(page.items)).toBe(true);
    expect(page).toHaveProperty('nextCursor');
  });
});

describe("the example client's api module", () => {
  it('creates, reads with the tag, updates conditionally, reports a stale tag as a conflict, deletes', async () => {
    const created = await createTodo('client module');
    expect(created).toEqual({ todo: expect.objectContaining({ title: 'client module', completed: false }), etag: '"1"' });
    const read = await getTodo(created.todo.id);
    expect(read).toEqual(created);

    const updated = await updateTodo(created.todo.id, { completed: true }, read.etag);
    expect(updated).toEqual({ todo: expect.objectContaining({ id: created.todo.id, completed: true }), etag: '"2"' });

    const stale = await updateTodo(created.todo.id, { completed: false }, read.etag).catch((error: unknown) => error);
    expect(isConflict(stale)).toBe(true);
    expect(describeError(stale)).toMatch(/^precondition_failed: /);

    const page = await listTodos(100);
    expect(page.items.map((todo) => todo.id)).toContain(created.todo.id);

    await deleteTodo(created.todo.id, updated.etag);
    const gone = await getTodo(created.todo.id).catch((error: unknown) => error);
    expect(describeError(gone)).toMatch(/^not_found: /);
  });
});
