import { createTodos } from './0001-create-todos';
import { addTodoVersion } from './0002-add-todo-version';
import type { Migration } from './types';

export { sql, type Migration, type MigrationContext } from './types';

/**
 * Every migration, oldest first. Imported, not globbed from disk, so the bundled Lambda carries them.
 * Names are recorded in `schema_migrations`: never rename or reorder an applied migration; add a new one.
 */
export const MIGRATIONS: readonly Migration[] = [createTodos, addTodoVersion];
