import type { Sequelize, Transaction } from '@lambdas/shared';
import type { RunnableMigration } from 'umzug';

/** What every migration runs with: the whole run is one transaction (PostgreSQL DDL is transactional). */
export interface MigrationContext {
  sequelize: Sequelize;
  transaction: Transaction;
}

export type Migration = RunnableMigration<MigrationContext>;

/** Runs one SQL statement inside the migration run's transaction. */
export async function sql({ sequelize, transaction }: MigrationContext, statement: string): Promise<void> {
  await sequelize.query(statement, { transaction, raw: true });
}
