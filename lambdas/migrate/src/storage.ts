import type { Sequelize, Transaction } from '@lambdas/shared';
import type { UmzugStorage } from 'umzug';
import type { MigrationContext } from './migrations/types';

export const MIGRATIONS_TABLE = 'schema_migrations';

/** The applied migrations, kept in the run's transaction so the record commits with the schema change. */
export class TransactionalStorage implements UmzugStorage<MigrationContext> {
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

