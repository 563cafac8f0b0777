/**
 * The todos API through Amplify JS's REST client. No DOM here (it is also exercised in Node by
 * test/amplifyErrors.test.ts).
 *
 * Concurrency: the API versions every todo and sends the version as an `ETag`; a change sent with
 * `If-Match: <that tag>` is refused with 412 `precondition_failed` when someone else changed the todo
 * since. The list carries no tags, so callers get one from `getTodo` (or keep the one a create or
 * update returned) and pass it back.
 */
import { ApiError, del, get, patch, post } from 'aws-amplify/api';

/** The name the backend publishes its endpoint under in amplify_outputs.json (`custom.API`). */
export const API_NAME = 'todosApi';

export interface Todo {
  id: string;
  title: string;
  completed: boolean;
  createdAt: string;
  updatedAt: string;
}

export interface TodoPage {
  items: Todo[];
  nextCursor: string | null;
}

/** A todo with the entity tag of exactly this version. */
export interface TaggedTodo {
  todo: Todo;
  etag: string;
}

/** Amplify lower-cases response header names; a missing `etag` would make every change unconditional. */
function etagOf(headers: Record<string, string>): string {
  const etag = headers.etag;
  if (!etag) throw new Error('The response has no ETag header (is `etag` in the API\'s CORS expose-headers?)');
  return etag;
}

export async function listTodos(limit: number, cursor?: string | null): Promise<TodoPage> {
  const queryParams: Record<string, string> = { limit: String(limit) };
  if (cursor) queryParams.cursor = cursor;
  const { body } = await get({ apiName: API_NAME, path: '/todos', options: { queryParams } }).response;
  return (await body.json()) as unknown as TodoPage;
}

export async function getTodo(id: string): Promise<TaggedTodo> {
  const { body, headers } = await get({ apiName: API_NAME, path: `/todos/${encodeURIComponent(id)}` }).response;
  return { todo: (await body.json()) as unknown as Todo, etag: etagOf(headers) };
}

export async function createTodo(title: string): Promise<TaggedTodo> {
  const { body, headers } = await post({ apiName: API_NAME, path: '/todos', options: { body: { title } } }).response;
  return { todo: (await body.json()) as unknown as Todo, etag: etagOf(headers) };
}

/** A conditional update: refused with 412 unless `etag` is still the todo's current one. */
export async function updateTodo(id: string, changes: Partial<Pick<Todo, 'title' | 'completed'>>, etag: string): Promise<TaggedTodo> {
  const { body, headers } = await patch({
    apiName: API_NAME,
    path: `/todos/${encodeURIComponent(id)}`,
    options: { body: changes, headers: { 'if-match': etag } },
  }).response;
  return { todo: (await body.json()) as unknown as Todo, etag: etagOf(headers) };
}

/** Conditional when a tag is given (nobody changed it since it was read), unconditional otherwise. */
export async function deleteTodo(id: string, etag?: string): Promise<void> {
  await del({ apiName: API_NAME, path: `/todos/${encodeURIComponent(id)}`, options: etag ? { headers: { 'if-match': etag } } : {} }).response;
}

/**
 * Whether a change was refused because the todo changed since its tag was read. Amplify names an
 * ApiError after the body's top-level `code`, so the API's stable code is the error's name.
 */
export function isConflict(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.name === 'precondition_failed' || error.response?.statusCode === 412);
}

export function isNotFound(error: unknown): error is ApiError {
  return error instanceof ApiError && (error.name === 'not_found' || error.response?.statusCode === 404);
}

/** `code: message` for an API error (Amplify maps the body's `code` and `message`), else the message. */
export function describeError(error: unknown): string {
  if (error instanceof ApiError) return `${error.name}: ${error.message}`;
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
