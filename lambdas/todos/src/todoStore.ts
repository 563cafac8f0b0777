/**
 * The todos table, as the handler needs it. Every function opens the database with
 * `connectToDatabase()` (credentials fetched once per container, pool per Sequelize's Lambda guide).
 * Reads go through `retryRead` and writes through `writeTransaction`, so a pooled connection that
 * died while the container was idle costs one immediate retry, never a failed request or a write
 * applied twice.
 *
 * Reads (`findTodo`, `listTodos`) run through `selectRows` (the pool's connection without
 * Sequelize's query layer: the hot path), writes through Sequelize transactions: creation through
 * the `Todo` model, conditional updates and deletes as single statements.
 *
 * Every statement is a constant SQL text whose values travel as bind parameters (`$1`, `$2`, …; pg's
 * extended protocol sends them apart from the statement): no value from a request is ever spliced
 * into SQL, escaped or not. (Sequelize's `where` options inline escaped literals, hence raw SQL here.)
 *
 * Each todo carries a `version` (migration 0002) that every update increments in the same statement
 * that writes the change; it is the todo's entity tag (`ETag`). A conditional update or delete
 * (`If-Match`) adds `AND version = ANY($n)` to that one statement, so the check and the write are
 * atomic: of two writers holding the same version, PostgreSQL lets the first update the row and
 * re-evaluates the second's condition against the committed row, which then no longer matches.
 */
import { QueryTypes, Todo, connectToDatabase, encodeCursor, retryRead, selectRows, writeTransaction, type CreateTodo, type CursorPosition, type TodoDto, type TodoPage, type Transaction, type UpdateTodo } from '@lambdas/shared';

/** A todo as the API returns it, with the version its `ETag` is made from. */
export interface VersionedTodo {
  todo: TodoDto;
  version: number;
}

interface TodoRow {
  id: string;
  title: string;
  completed: boolean;
  created_at: Date | string;
  updated_at: Date | string;
  version: number;
}

const COLUMNS = 'id, title, completed, created_at, updated_at, version';

const iso = (value: Date | string): string => (value instanceof Date ? value : new Date(value)).toISOString();

export function toDto(row: TodoRow): TodoDto {
  return { id: row.id, title: row.title, completed: row.completed, createdAt: iso(row.created_at), updatedAt: iso(row.updated_at) };
}

const versioned = (row: TodoRow): VersionedTodo => ({ todo: toDto(row), version: row.version });

/** Runs one parameterised statement in a write transaction and returns its (`RETURNING`) rows. */
async function rows(sql: string, bind: unknown[], transaction: Transaction): Promise<TodoRow[]> {
  const sequelize = await connectToDatabase();
  return sequelize.query<TodoRow>(sql, { bind, type: QueryTypes.SELECT, transaction });
}

/**
 * What a conditional write expects the todo's version to be: `undefined` for an unconditional write
 * (no `If-Match`, or `If-Match: *`), else the versions named by the request's strong entity tags
 * (possibly none, when no tag names a version this API could have issued: the write then fails).
 */
export type ExpectedVersions = readonly number[] | undefined;

/** Outcome of a conditional write: applied, no such todo, or the todo exists at another version. */
export type WriteOutcome<T> = { kind: 'done'; value: T } | { kind: 'not_found' } | { kind: 'version_mismatch' };

/** After a conditional write matched no row: was it the id or the version? (Same transaction.) */
async function missOutcome(id: string, transaction: Transaction): Promise<WriteOutcome<never>> {
  const found = await rows('SELECT id FROM todos WHERE id = $1', [id], transaction);
  return found.length > 0 ? { kind: 'version_mismatch' } : { kind: 'not_found' };
}

/**
 * One page, newest first: `ORDER BY created_at DESC, id DESC` (the id breaks ties between rows
 * created in the same millisecond), resuming strictly after `after` with a row-value comparison the
 * `(created_at DESC, id DESC)` index answers directly. One extra row is read to know whether a next
 * page exists, so the last page says `nextCursor: null` instead of leading to an empty page.
 */
export function listTodos(limit: number, after?: CursorPosition): Promise<TodoPage> {
  return retryRead(() => readPage(limit, after));
}

const FIRST_PAGE = `SELECT ${COLUMNS} FROM todos ORDER BY created_at DESC, id DESC LIMIT $1`;
const NEXT_PAGE = `SELECT ${COLUMNS} FROM todos WHERE (created_at, id) < ($2::timestamptz, $3::uuid) ORDER BY created_at DESC, id DESC LIMIT $1`;

async function readPage(limit: number, after?: CursorPosition): Promise<TodoPage> {
  const found = after ? await selectRows<TodoRow>(NEXT_PAGE, [limit + 1, after.createdAt.toISOString(), after.id]) : await selectRows<TodoRow>(FIRST_PAGE, [limit + 1]);
  const page = found.slice(0, limit).map(toDto);
  const last = page.at(-1);
  return { items: page, nextCursor: found.length > limit && last ? encodeCursor({ createdAt: new Date(last.createdAt), id: last.id }) : null };
}

/**
 * Through the `Todo` model: Sequelize's INSERT sends every value as a bind parameter and returns
 * the stored row (`RETURNING *`); the timestamps are the database's `now()` (see the model).
 */
export async function createTodo(input: CreateTodo): Promise<VersionedTodo> {
  const todo = await writeTransaction((transaction) => Todo.create({ title: input.title, completed: input.completed ?? false }, { transaction, returning: true }));
  const { id, title, completed, createdAt, updatedAt, version } = todo.get({ plain: true });
  return versioned({ id, title, completed, created_at: createdAt, updated_at: updatedAt, version });
}

const FIND = `SELECT ${COLUMNS} FROM todos WHERE id = $1`;

export function findTodo(id: string): Promise<VersionedTodo | undefined> {
  return retryRead(async () => {
    const [row] = await selectRows<TodoRow>(FIND, [id]);
    return row ? versioned(row) : undefined;
  });
}

/**
 * One `UPDATE … RETURNING` that also increments the version: no read-then-write race, one round
 * trip. With `expected` versions the same statement only matches the row at one of them.
 */
export async function updateTodo(id: string, patch: UpdateTodo, expected?: ExpectedVersions): Promise<WriteOutcome<VersionedTodo>> {
  // COALESCE keeps a column the patch leaves out; `$2::varchar IS NULL` would not tell "absent" from a
  // null title, but the schema never lets a null through.
  const sql =
    `UPDATE todos SET title = COALESCE($2::varchar, title), completed = COALESCE($3::boolean, completed), updated_at = now(), version = version + 1 ` +
    `WHERE id = $1${expected ? ' AND version = ANY($4::int[])' : ''} RETURNING ${COLUMNS}`;
  const bind = [id, patch.title ?? null, patch.completed ?? null, ...(expected ? [[...expected]] : [])];
  return writeTransaction(async (transaction) => {
    const [row] = await rows(sql, bind, transaction);
    if (row) return { kind: 'done', value: versioned(row) };
    return expected ? missOutcome(id, transaction) : { kind: 'not_found' };
  });
}

/** Deletes the todo (only at one of the `expected` versions, when given). */
export async function deleteTodo(id: string, expected?: ExpectedVersions): Promise<WriteOutcome<true>> {
  const sql = `DELETE FROM todos WHERE id = $1${expected ? ' AND version = ANY($2::int[])' : ''} RETURNING id`;
  return writeTransaction(async (transaction) => {
    const deleted = await rows(sql, expected ? [id, [...expected]] : [id], transaction);
    if (deleted.length > 0) return { kind: 'done', value: true };
    return expected ? missOutcome(id, transaction) : { kind: 'not_found' };
  });
}
