import { logger, type Sequelize, type Transaction } from '@lambdas/shared';
import { Umzug, type UmzugStorage } from 'umzug';
import { MIGRATIONS } from './migrations';
import type { Migration, MigrationContext } from './migrations/types';

/**
 * Key of the PostgreSQL advisory lock that serialises migration runs (any fixed 64-bit number
 * unique to this purpose in the database). Two deploys, or a deploy and `pnpm db:migrate`, that
 * start together: the second waits for the first to commit, then finds nothing left to do.
 */
export const MIGRATION_LOCK_KEY = 7_243_110_513;

export const MIGRATIONS_TABLE = 'schema_migrations';

/** The applied migrations, kept in the run's transaction so the record commits with the schema change. */
class TransactionalStorage implements UmzugStorage<MigrationContext> {
  constructor(
    private readonly sequelize: Sequelize,
    private readonly transaction: Transaction,
  ) {}

  async ensureTable(): Promise<void> {
    await this.sequelize.query(`CREATE TABLE IF NOT EXISTS ${MIGRATIONS_TABLE} (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`, {
      transaction: this.transaction,
    });
  }

  async executed(): Promise<string[]> {
    const [rows] = await this.sequelize.query(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY name`, { transaction: this.transaction });
    return (rows as Array<{ name: string }>).map((row) => row.name);
  }

  async logMigration({ name }: { name: string }): Promise<void> {
    await this.sequelize.query(`INSERT INTO ${MIGRATIONS_TABLE} (name) VALUES (:name)`, { replacements: { name }, transaction: this.transaction });
  }

  async unlogMigration({ name }: { name: string }): Promise<void> {
    await this.sequelize.query(`DELETE FROM ${MIGRATIONS_TABLE} WHERE name = :name`, { replacements: { name }, transaction: this.transaction });
  }
}

export interface MigrationResult {
  /** Migrations this run applied, in order. */
  applied: string[];
  /** Every migration the database now has. */
  executed: string[];
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
 * back everything this run did, including its bookkeeping.
 */
export async function runMigrations(sequelize: Sequelize, migrations: readonly Migration[] = MIGRATIONS): Promise<MigrationResult> {
  return sequelize.transaction(async (transaction) => {
    await sequelize.query('SELECT pg_advisory_xact_lock(:key)', { replacements: { key: MIGRATION_LOCK_KEY }, transaction });
    const storage = new TransactionalStorage(sequelize, transaction);
    await storage.ensureTable();
    const umzug = new Umzug<MigrationContext>({ migrations: [...migrations], context: { sequelize, transaction }, storage, logger: umzugLogger });
    const applied = (await umzug.up()).map((migration) => migration.name);
    return { applied, executed: await storage.executed() };
  });
}
