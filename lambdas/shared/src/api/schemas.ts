/**
 * The HTTP API's request and response schemas (zod 4). The handlers validate with them and
 * `openapi.ts` generates the OpenAPI document from them, so the documentation cannot drift from
 * what the code accepts.
 */
import { z } from 'zod';
import { TODO_TITLE_MAX } from '../models/todo';
import { decodeCursor } from './cursor';

export const TODO_LIST_LIMIT = { min: 1, max: 100, default: 20 } as const;

const title = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(TODO_TITLE_MAX, `must be at most ${TODO_TITLE_MAX} characters`)
  // PostgreSQL text cannot hold U+0000, and a lone UTF-16 surrogate has no UTF-8 encoding (the driver
  // would silently store U+FFFD instead): both are refused here rather than stored differently or failing in SQL.
  .refine((value) => !value.includes('\u0000'), 'must not contain NUL (U+0000) characters')
  .refine((value) => !/[\uD800-\uDFFF]/u.test(value), 'must be well-formed Unicode (no unpaired surrogate code units)')
  .meta({
    description: `1–${TODO_TITLE_MAX} characters (Unicode code points, as PostgreSQL counts them); surrounding whitespace is removed; no NUL (U+0000) and no unpaired surrogates. Anything else is stored and returned exactly as sent.`,
    example: 'Buy milk',
  });

// ---- Responses ------------------------------------------------------------------------------

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

// ---- Requests -------------------------------------------------------------------------------

export const TodoIdParamsSchema = z.strictObject({ id: z.uuid({ error: 'must be a UUID' }) });

// A plain (not strict) object: query parameters it does not know, such as the `_=1701` cache-buster
// some front-end libraries append, are ignored rather than refused. (Bodies stay strict: an unknown
// body field is a client bug worth reporting.)
export const ListTodosQuerySchema = z.object({
  limit: z.coerce
    .number({ error: 'must be a number' })
    .int('must be an integer')
    .min(TODO_LIST_LIMIT.min, `must be at least ${TODO_LIST_LIMIT.min}`)
    .max(TODO_LIST_LIMIT.max, `must be at most ${TODO_LIST_LIMIT.max}`)
    .default(TODO_LIST_LIMIT.default)
    .meta({ description: 'Page size.' }),
  cursor: z
    .string()
    .max(512)
    .transform((value, ctx) => {
      const position = decodeCursor(value);
      if (position === undefined) ctx.addIssue({ code: 'custom', message: 'is not a cursor returned by this API' });
      return position ?? z.NEVER;
    })
    .optional()
    .meta({ description: 'The `nextCursor` of the previous page.' }),
});

export const CreateTodoSchema = z
  .strictObject({
    title,
    completed: z.boolean().optional().meta({ description: 'Defaults to false.' }),
  })
  .meta({ description: 'A new todo.' });

export const UpdateTodoSchema = z
  .strictObject({ title: title.optional(), completed: z.boolean().optional() })
  .refine((patch) => patch.title !== undefined || patch.completed !== undefined, { message: 'must set title and/or completed' })
  .meta({ description: 'The fields to change; at least one.', minProperties: 1 });

export type TodoDto = z.output<typeof TodoSchema>;
export type TodoPage = z.output<typeof TodoPageSchema>;
export type Health = z.output<typeof HealthSchema>;
export type HealthUnavailable = z.output<typeof HealthUnavailableSchema>;
export type ListTodosQuery = z.output<typeof ListTodosQuerySchema>;
export type CreateTodo = z.output<typeof CreateTodoSchema>;
export type UpdateTodo = z.output<typeof UpdateTodoSchema>;
