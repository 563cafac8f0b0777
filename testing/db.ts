import pg from 'pg';
import { Sequelize } from '@lambdas/shared';
import { runMigrations } from '@lambdas/migrate/migrator';
import type { PgTarget } from '../tools/localPostgres';
import { registerSecret } from './logCapture';
import { serverFromEnv, type ServerRole } from './servers';

export interface TestDatabase extends Required<PgTarget> {
  database: string;
  /** A pg client to the test database for setup and assertions (closed by `drop`). */
  admin(): Promise<pg.Client>;
  /**
   * A login role with `password` (registered as a secret), allowed to connect and, with
   * `tables: true`, to read and write every table that exists now. Dropped by `drop()`.
   */
  createLoginRole(role: string, password: string, options?: { tables?: boolean }): Promise<void>;
  /** A role the code under test creates (cluster-wide, like every role): dropped by `drop()` too. */
  adoptRole(role: string): void;
  /** Applies the project's migrations as the server's superuser (the roles above then get the tables). */
  migrate(): Promise<void>;
  /** Points DB_HOST/DB_PORT/DB_NAME/DB_USER/DB_PASSWORD at this database. */
  applyEnv(overrides?: Partial<Record<string, string>>): void;
  drop(): Promise<void>;
}

let counter = 0;

/** A fresh, uniquely named database on the MAIN or AUTH server, for one test file. */
export async function createTestDatabase(role: ServerRole = 'MAIN'): Promise<TestDatabase> {
  const server = serverFromEnv(role);
  registerSecret(server.password);
  const database = `t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const root = new pg.Client({ ...server, database: 'postgres' });
  await root.connect();
  await root.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  await root.end();
  const clients: pg.Client[] = [];
  const roles: string[] = [];
  const onServer = async <T>(work: (client: pg.Client) => Promise<T>, db = 'postgres'): Promise<T> => {
    const client = new pg.Client({ ...server, database: db });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  return {
    ...server,
    database,
    async admin() {
      const client = new pg.Client({ ...server, database });
      await client.connect();
      clients.push(client);
      return client;
    },
    async createLoginRole(role, password, options = {}) {
      registerSecret(password);
      roles.push(role);
      await onServer(async (client) => {
        await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
        await client.query(`CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
        await client.query(`GRANT CONNECT ON DATABASE ${pg.escapeIdentifier(database)} TO ${pg.escapeIdentifier(role)}`);
        if (options.tables) await client.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${pg.escapeIdentifier(role)}`);
      }, database);
    },
    adoptRole(role) {
      roles.push(role);
    },
    async migrate() {
      const owner = new Sequelize({ dialect: 'postgres', dialectModule: pg, host: server.host, port: server.port, database, username: server.user, password: server.password, logging: false });
      try {
        await runMigrations(owner);
      } finally {
        await owner.close();
      }
    },
    applyEnv(overrides = {}) {
      Object.assign(process.env, {
        DB_HOST: server.host,
        DB_PORT: String(server.port),
        DB_NAME: database,
        DB_USER: server.user,
        DB_PASSWORD: server.password,
        ...overrides,
      });
    },
    async drop() {
      await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
      await onServer(async (client) => {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
        for (const role of roles.splice(0)) await client.query(`DROP ROLE IF EXISTS ${pg.escapeIdentifier(role)}`);
      });
    },
  };
}
