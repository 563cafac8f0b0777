/**
 * What each route of the manifest (`routes.ts`) accepts and returns: the schemas of its path
 * parameters, query string and body, and its responses. The handlers validate requests with these
 * entries (`handler.ts`) and `openapi.ts` documents them, so both always agree. The keys are route
 * keys of the manifest; a test checks that they are exactly the manifest's routes.
 */
import type * as z from '../zod';
import type { ResponseSchemaId } from './responseSchemas';
import { CreateTodoSchema, ListTodosQuerySchema, TodoIdParamsSchema, UpdateTodoSchema } from './schemas';

export interface ResponseSpec {
  description: string;
  /** The response schema, by its component id (`responseSchemas.ts`: not built in a function's bundle). */
  schema?: ResponseSchemaId;
  headers?: Record<string, string>;
}

/** A request header the operation reads (documented; parsed by the route implementation). */
export interface RequestHeaderSpec {
  description: string;
  /** JSON Schema of the value. */
  schema: Record<string, unknown>;
}

export interface OperationSpec {
  operationId: string;
  summary: string;
  tag: string;
  /** Request headers by name, e.g. `If-Match`. */
  headers?: Record<string, RequestHeaderSpec>;
  params?: z.core.$ZodType<Record<string, unknown>>;
  query?: z.core.$ZodType<Record<string, unknown>>;
  body?: z.core.$ZodType;
  responses: Record<number, ResponseSpec>;
}

const badRequest: ResponseSpec = { description: 'Malformed JSON, an empty or oversized body, or a value that fails validation (see `details`).', schema: 'Error' };
const notFound: ResponseSpec = { description: 'No todo has this id.', schema: 'Error' };
const unavailable: ResponseSpec = { description: 'The database is unavailable.', schema: 'Error' };

const ETAG = { ETag: 'The todo\'s entity tag (strong, e.g. `"3"`): its version, which every change increments. Send it back in `If-Match` to make a change conditional.' };
const ifMatch: Record<string, RequestHeaderSpec> = {
  'If-Match': {
    description:
      'Apply only if the todo\'s current `ETag` is one of these (strong comparison, RFC 9110: `W/` tags never match); else 412 and nothing changes. ' +
      'Absent or `*`: unconditional (last writer wins). A value that is neither `*` nor a list of quoted entity tags is a 400.',
    schema: { type: 'string', examples: ['"3"', '"3", "4"', '*'] },
  },
};
const preconditionFailed: ResponseSpec = {
  description: 'The `If-Match` tags do not match the todo\'s current `ETag`: it changed since the client read it. Nothing was written; GET it again and retry.',
  schema: 'Error',
};

export const OPERATIONS = {
  'GET /health': {
    operationId: 'getHealth',
    summary: 'Check that the function reaches PostgreSQL (runs `SELECT 1`).',
    tag: 'health',
    responses: {
      200: { description: 'The database answered.', schema: 'Health' },
      503: { description: 'The database did not answer.', schema: 'HealthUnavailable' },
    },
  },
  'GET /todos': {
    operationId: 'listTodos',
    summary: 'List todos, newest first, one page at a time.',
    tag: 'todos',
    query: ListTodosQuerySchema,
    responses: {
      200: { description: 'A page of todos and the cursor of the next page.', schema: 'TodoPage' },
      400: badRequest,
      503: unavailable,
    },
  },
  'POST /todos': {
    operationId: 'createTodo',
    summary: 'Create a todo.',
    tag: 'todos',
    body: CreateTodoSchema,
    responses: {
      201: { description: 'Created.', schema: 'Todo', headers: { Location: 'The new todo: `/todos/{id}`.', ...ETAG } },
      400: badRequest,
      503: unavailable,
    },
  },
  'GET /todos/{id}': {
    operationId: 'getTodo',
    summary: 'Read one todo.',
    tag: 'todos',
    params: TodoIdParamsSchema,
    responses: { 200: { description: 'The todo.', schema: 'Todo', headers: ETAG }, 400: badRequest, 404: notFound, 503: unavailable },
  },
  'PATCH /todos/{id}': {
    operationId: 'updateTodo',
    summary: 'Change the title and/or completion of a todo.',
    tag: 'todos',
    headers: ifMatch,
    params: TodoIdParamsSchema,
    body: UpdateTodoSchema,
    responses: { 200: { description: 'The updated todo.', schema: 'Todo', headers: ETAG }, 400: badRequest, 404: notFound, 412: preconditionFailed, 503: unavailable },
  },
  'DELETE /todos/{id}': {
    operationId: 'deleteTodo',
    summary: 'Delete a todo.',
    tag: 'todos',
    headers: ifMatch,
    params: TodoIdParamsSchema,
    responses: { 204: { description: 'Deleted.' }, 400: badRequest, 404: notFound, 412: preconditionFailed, 503: unavailable },
  },
} as const satisfies Record<string, OperationSpec>;

export type OperationKey = keyof typeof OPERATIONS;

type Out<S> = S extends z.core.$ZodType ? z.output<S> : undefined;

/** The validated input a route handler receives for operation `K`. */
export interface OperationInput<K extends OperationKey> {
  params: Out<(typeof OPERATIONS)[K] extends { params: infer P } ? P : undefined>;
  query: Out<(typeof OPERATIONS)[K] extends { query: infer Q } ? Q : undefined>;
  body: Out<(typeof OPERATIONS)[K] extends { body: infer B } ? B : undefined>;
}

export function operationFor(key: string): OperationSpec | undefined {
  return Object.hasOwn(OPERATIONS, key) ? (OPERATIONS as Record<string, OperationSpec>)[key] : undefined;
}
