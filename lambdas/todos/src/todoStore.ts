/**
 * The todos table, through the `Todo` model. Every function opens the database with
 * `connectToDatabase()` (credentials fetched once per container, pool per Sequelize's Lambda guide).
 * Reads go through `retryRead` and writes through `writeTransaction`, so a pooled connection that
 * died while the container was idle costs one immediate retry, never a failed request or a write
 * applied twice.
 *
 * What Sequelize does with values: `create` and `update` send the values they write, and the
 * `where` of `update`, as bind parameters (`$1`, `$2`, …; pg's extended protocol carries them apart
 * from the SQL text). The finders (`findOne`, `findAll`) and `destroy`, however, inline their
 * `where` values into the SQL text as escaped literals. Escaping is safe, but the statement text is
 * also what `DB_LOG_SQL` logs and what PostgreSQL shows in its logs and `pg_stat_activity`, and
 * no request value (ids, cursor positions, titles) belongs there. So those `where` values are
 * placeholders, `{ [Op.eq]: param('id') }`, with the value in the call's `bind` option: Sequelize
 * rewrites `$id` to `$1` and hands the value to pg as a parameter (`test/hostile.test.ts` records
 * every statement and proves no request value is in its text).
 *
 * Each todo carries a `version` (migration 0002) that every update increments in the same statement
 * that writes the change; it is the todo's entity tag (`ETag`). A conditional update or delete
 * (`If-Match`) adds `AND version IN (…)` to that one statement, so the check and the write are
 * atomic: of two writers holding the same version, PostgreSQL lets the first update the row and
 * re-evaluates the second's condition against the committed row, which then no longer matches.
 */
import { Op, Todo, connectToDatabase, encodeCursor, literal, retryRead, writeTransaction, type CreateTodo, type CursorPosition, type TodoDto, type TodoPage, type Transaction, type UpdateTodo } from '@lambdas/shared';

/** A todo as the API returns it, with the version its `ETag` is made from. */
export interface VersionedTodo {
  todo: TodoDto;
  version: number;
}

/**
 * The attributes of a `Todo`, as `get({ plain: true })` returns them from an instance, or as the
 * finders return them with `raw: true` (plain objects instead of instances: cheaper, and only the
 * attributes are read here; the typings still say `Todo`).
 */
type TodoRow = Pick<InstanceType<typeof Todo>, 'id' | 'title' | 'completed' | 'createdAt' | 'updatedAt' | 'version'>;

/** Timestamps as ISO 8601 strings with milliseconds (the columns are `timestamptz(3)`). */
export function toDto(row: TodoRow): TodoDto {
  return { id: row.id, title: row.title, completed: row.completed, createdAt: row.createdAt.toISOString(), updatedAt: row.updatedAt.toISOString() };
}

const versioned = (row: TodoRow): VersionedTodo => ({ todo: toDto(row), version: row.version });

/** A `where` value sent as the bind parameter `name` (give the value in the call's `bind: { name }`). */
const param = (name: string): ReturnType<typeof literal> => literal(`$${name}`);

/**
 * `Todo.destroy`'s options with `bind`: Sequelize passes it on to the query as the finders do
 * (`Model.destroy` hands its options to `sequelize.query`), but its typings leave it out.
 */
type DestroyWithBind = NonNullable<Parameters<typeof Todo.destroy>[0]> & { bind: Record<string, unknown> };

/**
 * What a conditional write expects the todo's version to be: `undefined` for an unconditional write
 * (no `If-Match`, or `If-Match: *`), else the versions named by the request's strong entity tags
 * (possibly none, when no tag names a version this API could have issued: the write then fails).
 */
export type ExpectedVersions = readonly number[] | undefined;

/** Outcome of a conditional write: applied, no such todo, or the todo exists at another version. */
export type WriteOutcome<T> = { kind: 'done'; value: T } | { kind: 'not_found' } | { kind: 'version_mismatch' };

/**
 * For a conditional write, the `where` that also requires one of the expected versions. They are
 * integers parsed from `If-Match` (never text); Sequelize writes them as an escaped `IN (…)` list,
 * and an empty list as `IN (NULL)`, which matches no row.
 */
const atVersion = (expected: ExpectedVersions) => (expected ? { version: [...expected] } : {});

/** After a conditional write matched no row: was it the id or the version? (Same transaction.) */
async function missOutcome(id: string, transaction: Transaction): Promise<WriteOutcome<never>> {
  const found = await Todo.findOne({ attributes: ['id'], where: { id: { [Op.eq]: param('id') } }, bind: { id }, transaction, raw: true });
  return found ? { kind: 'version_mismatch' } : { kind: 'not_found' };
}

/**
 * One page, newest first: `ORDER BY created_at DESC, id DESC` (the id breaks ties between rows
 * created in the same millisecond). One extra row is read to know whether a next page exists, so
 * the last page says `nextCursor: null` instead of leading to an empty page.
 *
 * Resuming strictly after `after` = (t, i) means `created_at < t OR (created_at = t AND id < i)`.
 * Written exactly so, PostgreSQL cannot start the `(created_at DESC, id DESC)` index scan at the
 * cursor: it walks the index from the newest row and filters (25 ms and 150,000 rows discarded for a
 * page 150,000 rows deep, in EXPLAIN ANALYZE). The equivalent form below adds `created_at <= t`,
 * which the index uses as its start (0.05 ms at any depth): given it, `created_at < t OR id < i`
 * is the same condition. (A row-value comparison `(created_at, id) < (t, i)` would need
 * `Sequelize.where`/`literal`; this plain-object form costs the same single index range.)
 */
export function listTodos(limit: number, after?: CursorPosition): Promise<TodoPage> {
  return retryRead(async () => {
    await connectToDatabase();
    const found = await Todo.findAll({
      ...(after && {
        where: {
          createdAt: { [Op.lte]: param('createdAt') },
          [Op.or]: [{ createdAt: { [Op.lt]: param('createdAt') } }, { id: { [Op.lt]: param('id') } }],
        },
        bind: { createdAt: after.createdAt, id: after.id },
      }),
      order: [
        ['createdAt', 'DESC'],
        ['id', 'DESC'],
      ],
      limit: limit + 1,
      raw: true,
    });
    const page = found.slice(0, limit).map(toDto);
    const last = page.at(-1);
    return { items: page, nextCursor: found.length > limit && last ? encodeCursor({ createdAt: new Date(last.createdAt), id: last.id }) : null };
  });
}

/**
 * Sequelize's INSERT sends every value as a bind parameter and returns the stored row
 * (`RETURNING`); the timestamps are the database's `now()` (the model's `defaultValue: fn('now')`).
 */
export async function createTodo(input: CreateTodo): Promise<VersionedTodo> {
  const todo = await writeTransaction((transaction) => Todo.create({ title: input.title, completed: input.completed ?? false }, { transaction, returning: true }));
  return versioned(todo.get({ plain: true }));
}

export function findTodo(id: string): Promise<VersionedTodo | undefined> {
  return retryRead(async () => {
    await connectToDatabase();
    // `findByPk(id)` would inline the id into the SQL text; the same lookup with the id bound:
    const todo = await Todo.findOne({ where: { id: { [Op.eq]: param('id') } }, bind: { id }, raw: true });
    return todo ? versioned(todo) : undefined;
  });
}

/**
 * One `UPDATE … RETURNING` that also increments the version: no read-then-write race, one round
 * trip. With `expected` versions the same statement only matches the row at one of them.
 * Sequelize sets `updated_at = now()` itself (the model's default for the timestamp, not the
 * container's clock) and leaves `created_at` alone; the fields the patch leaves out are not written.
 */
export async function updateTodo(id: string, patch: UpdateTodo, expected?: ExpectedVersions): Promise<WriteOutcome<VersionedTodo>> {
  return writeTransaction(async (transaction) => {
    const [count, [todo]] = await Todo.update(
      { title: patch.title, completed: patch.completed, version: literal('version + 1') },
      { where: { id, ...atVersion(expected) }, returning: true, transaction },
    );
    if (count === 1 && todo) return { kind: 'done', value: versioned(todo.get({ plain: true })) };
    return expected ? missOutcome(id, transaction) : { kind: 'not_found' };
  });
}

/** Deletes the todo (only at one of the `expected` versions, when given). */
export async function deleteTodo(id: string, expected?: ExpectedVersions): Promise<WriteOutcome<true>> {
  return writeTransaction(async (transaction) => {
    const options: DestroyWithBind = { where: { id: { [Op.eq]: param('id') }, ...atVersion(expected) }, bind: { id }, transaction };
    const deleted = await Todo.destroy(options);
    if (deleted > 0) return { kind: 'done', value: true };
    return expected ? missOutcome(id, transaction) : { kind: 'not_found' };
  });
}
