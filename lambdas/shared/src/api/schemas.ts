/**
 * The HTTP API's request schemas (zod 4) and the types of its bodies. The handlers validate with
 * them and `openapi.ts` generates the OpenAPI document from them, so the documentation cannot drift
 * from what the code accepts. The response schemas, which only the document and the tests read, are
 * in `responseSchemas.ts`: a function's bundle never builds them.
 */
import * as z from '../zod';
import type { HealthSchema, HealthUnavailableSchema, TodoPageSchema, TodoSchema } from './responseSchemas';
import { TODO_TITLE_MAX } from '../models/todo';
import { decodeCursor } from './cursor';

export const TODO_LIST_LIMIT = { min: 1, max: 100, default: 20 } as const;

const title = z.string().check(
  z.trim(),
  z.minLength(1, 'must not be empty'),
  z.maxLength(TODO_TITLE_MAX, `must be at most ${TODO_TITLE_MAX} characters`),
  // PostgreSQL text cannot hold U+0000, and a lone UTF-16 surrogate has no UTF-8 encoding (the driver
  // would silently store U+FFFD instead): both are refused here rather than stored differently or failing in SQL.
  z.refine((value: string) => !value.includes('\u0000'), 'must not contain NUL (U+0000) characters'),
  z.refine((value: string) => !/[\uD800-\uDFFF]/u.test(value), 'must be well-formed Unicode (no unpaired surrogate code units)'),
  z.meta({
    description: `1–${TODO_TITLE_MAX} characters (Unicode code points, as PostgreSQL counts them); surrounding whitespace is removed; no NUL (U+0000) and no unpaired surrogates. Anything else is stored and returned exactly as sent.`,
    example: 'Buy milk',
  }),
);

// ---- Requests -------------------------------------------------------------------------------

export const TodoIdParamsSchema = z.strictObject({ id: z.uuid({ error: 'must be a UUID' }) });

// A plain (not strict) object: query parameters it does not know, such as the `_=1701` cache-buster
// some front-end libraries append, are ignored rather than refused. (Bodies stay strict: an unknown
// body field is a client bug worth reporting.)
export const ListTodosQuerySchema = z.object({
  limit: z
    ._default(
      z.coerce
        .number({ error: 'must be a number' })
        .check(
          z.int('must be an integer'),
          z.minimum(TODO_LIST_LIMIT.min, `must be at least ${TODO_LIST_LIMIT.min}`),
          z.maximum(TODO_LIST_LIMIT.max, `must be at most ${TODO_LIST_LIMIT.max}`),
        ),
      TODO_LIST_LIMIT.default,
    )
    .check(z.meta({ description: 'Page size.' })),
  cursor: z
    .optional(
      z.pipe(
        z.string().check(z.maxLength(512)),
        // Decoded only once the length check passed (a pipe stops at a failed input). Mini's
        // transforms have no `ctx.addIssue`: the issue goes straight into the list.
        z.transform((value: string, ctx) => {
          const position = decodeCursor(value);
          if (position === undefined) ctx.issues.push({ code: 'custom', message: 'is not a cursor returned by this API', input: value });
          return position ?? z.NEVER;
        }),
      ),
    )
    .check(z.meta({ description: 'The `nextCursor` of the previous page.' })),
});

export const CreateTodoSchema = z
  .strictObject({
    title,
    completed: z.optional(z.boolean()).check(z.meta({ description: 'Defaults to false.' })),
  })
  .check(z.meta({ description: 'A new todo.' }));

const UpdateTodoFields = z.strictObject({ title: z.optional(title), completed: z.optional(z.boolean()) });

export const UpdateTodoSchema = UpdateTodoFields.check(
  z.refine((patch: z.output<typeof UpdateTodoFields>) => patch.title !== undefined || patch.completed !== undefined, { message: 'must set title and/or completed' }),
  z.meta({ description: 'The fields to change; at least one.', minProperties: 1 }),
);

export type TodoDto = z.output<typeof TodoSchema>;
export type TodoPage = z.output<typeof TodoPageSchema>;
export type Health = z.output<typeof HealthSchema>;
export type HealthUnavailable = z.output<typeof HealthUnavailableSchema>;
export type ListTodosQuery = z.output<typeof ListTodosQuerySchema>;
export type CreateTodo = z.output<typeof CreateTodoSchema>;
export type UpdateTodo = z.output<typeof UpdateTodoSchema>;
