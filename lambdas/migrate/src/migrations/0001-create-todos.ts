import { sql, type Migration } from './types';

/**
 * The todos table.
 * - `created_at` has millisecond precision (`timestamptz(3)`) because it is the pagination key and
 *   JavaScript dates carry milliseconds: a cursor holding a row's timestamp must compare equal to it.
 * - The `(created_at DESC, id DESC)` index serves the newest-first keyset pagination of `GET /todos`.
 * - The CHECK repeats the API's title rule so no other writer can store what the API would reject.
 */
export const createTodos: Migration = {
  name: '0001-create-todos',
  async up({ context }) {
    await sql(
      context,
      `CREATE TABLE todos (
         id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
         title varchar(200) NOT NULL CHECK (char_length(btrim(title)) >= 1),
         completed boolean NOT NULL DEFAULT false,
         created_at timestamptz(3) NOT NULL DEFAULT now(),
         updated_at timestamptz(3) NOT NULL DEFAULT now()
       )`,
    );
    await sql(context, 'CREATE INDEX todos_created_at_id_idx ON todos (created_at DESC, id DESC)');
  },
  async down({ context }) {
    await sql(context, 'DROP TABLE todos');
  },
};
