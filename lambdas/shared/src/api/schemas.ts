/**
 * The HTTP API's request schemas (zod 4) and the types of its bodies. The handlers validate with
 * them and `openapi.ts` generates the OpenAPI document from them, so the documentation cannot drift
 * from what the code accepts. The response schemas, which only the document and the tests read, are
 * in `responseSchemas.ts`: a function's bundle never builds them.
 */
import { z } from 'zod';
import type { HealthSchema, HealthUnavailableSchema, TodoPageSchema, TodoSchema } from './responseSchemas';
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
