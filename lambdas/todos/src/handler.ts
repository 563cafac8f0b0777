/**
 * The `todos` function: every `/todos` route of the manifest. Requests are validated by
 * `createHttpHandler` against the schemas in `@lambdas/shared` before these run.
 *
 * Optimistic concurrency: every response carrying one todo has its `ETag` (the todo's version);
 * `PATCH` and `DELETE` honour `If-Match`, checked in the same statement as the write (see
 * `todoStore.ts`). A stale tag is a 412 and nothing is written. Without `If-Match`, or with
 * `If-Match: *`, writes are unconditional (last writer wins), as before ETags existed.
 */
import { NotFoundError, PreconditionFailedError, createHttpHandler, etagFor, expectedVersions, ifMatchOf, json, noContent, type HttpResult } from '@lambdas/shared';
import { createTodo, deleteTodo, findTodo, listTodos, updateTodo, type VersionedTodo, type WriteOutcome } from './todoStore';

const notFound = (id: string): NotFoundError => new NotFoundError(`No todo has id ${id}`);

const withEtag = (statusCode: number, { todo, version }: VersionedTodo, headers: Record<string, string> = {}): HttpResult => json(statusCode, todo, { etag: etagFor(version), ...headers });

/** The value of a write, or the 404/412 its outcome means. */
function applied<T>(id: string, outcome: WriteOutcome<T>): T {
  if (outcome.kind === 'not_found') throw notFound(id);
  if (outcome.kind === 'version_mismatch') throw new PreconditionFailedError();
  return outcome.value;
}

export const handler = createHttpHandler('todos', {
  'GET /todos': async ({ query }) => json(200, await listTodos(query.limit, query.cursor)),

  'POST /todos': async ({ body }) => {
    const created = await createTodo(body);
    return withEtag(201, created, { location: `/todos/${created.todo.id}` });
  },

  'GET /todos/{id}': async ({ params }) => {
    const found = await findTodo(params.id);
    if (!found) throw notFound(params.id);
    return withEtag(200, found);
  },

  'PATCH /todos/{id}': async ({ params, body }, event) => {
    const expected = expectedVersions(ifMatchOf(event));
    return withEtag(200, applied(params.id, await updateTodo(params.id, body, expected)));
  },

  'DELETE /todos/{id}': async ({ params }, event) => {
    const expected = expectedVersions(ifMatchOf(event));
    applied(params.id, await deleteTodo(params.id, expected));
    return noContent();
  },
});
