/**
 * The HTTP API's response schemas (zod 4), each a component of the OpenAPI document (`openapi.ts`),
 * which `operations.ts` names by id. Only the document and the tests parse with them: a function
 * never validates its own responses, so its bundle never imports (or builds) this module. The
 * response types (`TodoDto`, …) are in `schemas.ts`.
 */
import { z } from 'zod';

export const TodoSchema = z
  .strictObject({
    id: z.uuid(),
    title: z.string(),
    completed: z.boolean(),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Todo', description: 'A to-do item.' });

export const TodoPageSchema = z
  .strictObject({
    items: z.array(TodoSchema),
    nextCursor: z.string().nullable().meta({ description: 'Pass as `cursor` to get the next page; null on the last page.' }),
  })
  .meta({ id: 'TodoPage', description: 'One page of todos, newest first.' });

const errorFields = {
  code: z.string().meta({
    description:
      'Stable, machine-readable: invalid_json, body_required, body_too_large, validation_failed, not_found, method_not_allowed, precondition_failed, payload_too_large, database_unavailable, internal_error. Amplify JS reports it as the `name` of the `ApiError` it throws.',
  }),
  message: z.string().meta({ description: 'For humans; may change. Amplify JS reports it as the `ApiError` message.' }),
};

export const ErrorSchema = z
  .strictObject({
    ...errorFields,
    details: z
      .array(z.strictObject({ in: z.enum(['body', 'query', 'path', 'header']), field: z.string(), message: z.string() }))
      .optional()
      .meta({ description: 'For validation_failed: one entry per problem.' }),
  })
  .meta({ id: 'Error', description: 'Every error response has this shape (flat, so Amplify JS can read it).' });

export const HealthSchema = z
  .strictObject({
    status: z.literal('ok'),
    database: z.literal('ok'),
    credentialsSource: z.enum(['env', 'secrets-manager', 'iam']),
    latencyMs: z.number().nonnegative().meta({ description: 'Time to run `SELECT 1`, in milliseconds, including opening the connection when none is pooled.' }),
  })
  .meta({ id: 'Health' });

export const HealthUnavailableSchema = z
  .strictObject({
    status: z.literal('unavailable'),
    database: z.literal('unreachable'),
    ...errorFields,
  })
  .meta({ id: 'HealthUnavailable', description: 'The database did not answer; nothing about where it is.' });

/** The response schemas by component id (each one's `.meta({ id })`): what `ResponseSpec.schema` names. */
export const RESPONSE_SCHEMAS = {
  Todo: TodoSchema,
  TodoPage: TodoPageSchema,
  Error: ErrorSchema,
  Health: HealthSchema,
  HealthUnavailable: HealthUnavailableSchema,
} as const;

export type ResponseSchemaId = keyof typeof RESPONSE_SCHEMAS;
