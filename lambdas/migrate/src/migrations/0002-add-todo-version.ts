import { sql, type Migration } from './types';

/**
 * A version number per todo, the entity tag of its HTTP representation (`ETag: "<version>"`).
 * Every write through the API sets `version = version + 1` in the same `UPDATE` that checks the
 * client's `If-Match`, so a stale tag can never overwrite a newer change. An integer, not
 * `updated_at`: two updates within the same millisecond (`timestamptz(3)`) would share a
 * timestamp, but never a version. Existing rows start at 1; adding a column with a constant
 * default is a metadata-only change in PostgreSQL 11+ (no table rewrite).
 */
export const addTodoVersion: Migration = {
  name: '0002-add-todo-version',
  async up({ context }) {
    await sql(context, 'ALTER TABLE todos ADD COLUMN version integer NOT NULL DEFAULT 1 CHECK (version >= 1)');
  },
  async down({ context }) {
    await sql(context, 'ALTER TABLE todos DROP COLUMN version');
  },
};
