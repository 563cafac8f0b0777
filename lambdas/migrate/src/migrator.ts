import { logger, type Sequelize } from '@lambdas/shared';
import { serverTimeLimits } from '@lambdas/shared/db';
import { Umzug } from 'umzug';
import { MIGRATIONS } from './migrations';
import type { Migration, MigrationContext } from './migrations/types';
import { ensureAppRole, type AppRole, type AppRoleReport } from './roles/appRole';
import { MIGRATIONS_TABLE, TransactionalStorage } from './storage';

export { MIGRATIONS_TABLE };

/**
 * Key of the PostgreSQL advisory lock that serialises migration runs (any fixed 64-bit number
 * unique to this purpose in the database). Two deploys, or a deploy and `pnpm db:migrate`, that
 * start together: the second waits for the first to commit, then finds nothing left to do.
 */
export const MIGRATION_LOCK_KEY = 7_243_110_513;

export interface MigrationResult {
  /** Migrations this run applied, in order. */
  applied: string[];
  /** Every migration the database now has. */
  executed: string[];
  /** The application role, when the run was given one. */
  appRole?: AppRoleReport;
}

export interface MigrationOptions {
  /** Create (or bring in line) the least-privileged role the API functions use, in the same transaction. */
  appRole?: AppRole;
}

/** umzug's log events ({ event, name, durationSeconds }) as structured log lines. */
const umzugLogger = {
  info: (event: Record<string, unknown>) => logger.info('Migration', event),
  warn: (event: Record<string, unknown>) => logger.warn('Migration', event),
  error: (event: Record<string, unknown>) => logger.error('Migration', event),
  debug: (event: Record<string, unknown>) => logger.debug('Migration', event),
};

/**
 * Applies every pending migration, idempotently and safely under concurrency: the whole run is one
 * transaction that first takes a transaction-scoped advisory lock (released by commit or rollback,
 * even if the process dies), then reads which migrations are applied. A failing migration rolls
 * back everything this run did, including its bookkeeping (and the application role's changes).
 */
export async function runMigrations(sequelize: Sequelize, migrations: readonly Migration[] = MIGRATIONS, options: MigrationOptions = {}): Promise<MigrationResult> {
  return sequelize.transaction(async (transaction) => {
    // The run's time limits (DB_STATEMENT_TIMEOUT_MS: minutes for the migrate function), for this
    // transaction only: they hold behind a transaction pooler too, where no limit is sent at connect
    // (DB_POOLER=transaction), and never stay on a pooled server connection. The lock wait counts.
    const limits = serverTimeLimits();
    await sequelize.query(`SET LOCAL statement_timeout = ${limits.statement_timeout}; SET LOCAL idle_in_transaction_session_timeout = ${limits.idle_in_transaction_session_timeout}`, { transaction });
    await sequelize.query('SELECT pg_advisory_xact_lock(:key)', { replacements: { key: MIGRATION_LOCK_KEY }, transaction });
    const storage = new TransactionalStorage(sequelize, transaction);
    await storage.ensureTable();
    const umzug = new Umzug<MigrationContext>({ migrations: [...migrations], context: { sequelize, transaction }, storage, logger: umzugLogger });
    const applied = (await umzug.up()).map((migration) => migration.name);
    const executed = await storage.executed();
    // After the tables exist: the grants cover every table, this run's new ones included.
    if (options.appRole === undefined) return { applied, executed };
    return { applied, executed, appRole: await ensureAppRole(sequelize, transaction, options.appRole) };
  });
}
