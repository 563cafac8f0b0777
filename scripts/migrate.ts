/**
 * `pnpm db:migrate`: applies pending migrations to the `.env` database (or, when none answers, to the
 * embedded one `pnpm dev` uses), with the same `runMigrations` the `migrate` Lambda runs.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closeDatabase, connectToDatabase } from '@lambdas/shared';
import { MIGRATION_STATEMENT_TIMEOUT_MS } from '@lambdas/migrate/limits';
import { runMigrations } from '@lambdas/migrate/migrator';
import { appRoleFromEnvironment } from '@lambdas/migrate/roles';
import { loadLocalEnv, prepareLocalDatabase } from './localApi/localDatabase';

const root = fileURLToPath(new URL('..', import.meta.url));

async function main(): Promise<number> {
  loadLocalEnv(root);
  process.env.POWERTOOLS_LOG_LEVEL ??= 'WARN';
  // As the deployed migrate function: a run may wait minutes for a concurrent run's advisory lock.
  process.env.DB_STATEMENT_TIMEOUT_MS ??= String(MIGRATION_STATEMENT_TIMEOUT_MS);
  const database = await prepareLocalDatabase(process.env.DEV_POSTGRES_DIR ?? join(root, '.tmp', 'dev-postgres'));
  process.stdout.write(`${database.description}\n`);
  try {
    // DB_APP_USER (and DB_APP_SECRET_NAME) in .env: the least-privileged role, as the deployment creates it.
    const result = await runMigrations(await connectToDatabase(), undefined, { appRole: await appRoleFromEnvironment() });
    process.stdout.write(result.applied.length > 0 ? `Applied: ${result.applied.join(', ')}\n` : `Up to date (${result.executed.length} migrations applied)\n`);
    return 0;
  } catch (error) {
    process.stderr.write(`Migration failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    return 1;
  } finally {
    await closeDatabase();
    await database.stop();
  }
}

void main().then((code) => process.exit(code));
