/**
 * The database of the overload test and `pnpm bench:scale`: on a PostgreSQL of their own (started
 * with a low `max_connections`), a migrated database and a non-superuser application role (the
 * superuser's reserved slots must not count as capacity), plus what both read from the server:
 * which container holds which session (`application_name` is the container's function name).
 */
import pg from 'pg';
import { seedTodos } from './seedTodos';
import { Sequelize } from '@lambdas/shared';
import { runMigrations } from '@lambdas/migrate/migrator';
import type { PgTarget } from './localPostgres';

export interface AppDatabase {
  database: string;
  /** The application role's login (what the containers' secret holds). */
  app: Required<PgTarget>;
  /** The server's superuser, on the app database (uses a reserved slot: never refused for capacity). */
  admin: pg.Client;
  /** The application role's sessions on the server, per `application_name`. */
  appSessions(): Promise<Map<string, number>>;
  /** Total of `appSessions()`. */
  appSessionCount(): Promise<number>;
  /** Ends every session of the application role (what an operator, or a restart, would do). */
  terminateAppSessions(): Promise<number>;
  /** `ALTER ROLE … SET idle_session_timeout` (new sessions only), or `RESET` with `undefined`. */
  setIdleSessionTimeout(value: string | undefined): Promise<void>;
  seed(count: number): Promise<string[]>;
  close(): Promise<void>;
}

export async function prepareAppDatabase(server: PgTarget, names: { database: string; role: string; password: string }): Promise<AppDatabase> {
  const { database, role, password } = names;
  const root = new pg.Client({ ...server, database: 'postgres' });
  await root.connect();
  try {
    await root.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
    await root.query(`CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN PASSWORD ${pg.escapeLiteral(password)}`);
  } finally {
    await root.end();
  }
  const owner = new Sequelize({ dialect: 'postgres', dialectModule: pg, host: server.host, port: server.port, database, username: server.user, password: server.password, logging: false, pool: { max: 1 } });
  try {
    await runMigrations(owner);
  } finally {
    await owner.close();
  }
  const admin = new pg.Client({ ...server, database });
  await admin.connect();
  await admin.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${pg.escapeIdentifier(role)}`);
  const appSessions = async (): Promise<Map<string, number>> => {
    const { rows } = await admin.query<{ name: string; n: string }>('SELECT application_name AS name, count(*) AS n FROM pg_stat_activity WHERE usename = $1 GROUP BY 1', [role]);
    return new Map(rows.map((row) => [row.name, Number(row.n)]));
  };
  return {
    database,
    app: { host: server.host, port: server.port, user: role, password, database },
    admin,
    appSessions,
    async appSessionCount() {
      return [...(await appSessions()).values()].reduce((a, b) => a + b, 0);
    },
    async terminateAppSessions() {
      const { rows } = await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
      // pg_terminate_backend only signals: wait until the slots are free.
      for (let i = 0; i < 100; i += 1) {
        const { rows: left } = await admin.query('SELECT 1 FROM pg_stat_activity WHERE usename = $1', [role]);
        if (left.length === 0) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      return rows.length;
    },
    async setIdleSessionTimeout(value) {
      const setting = value === undefined ? 'RESET idle_session_timeout' : `SET idle_session_timeout = ${pg.escapeLiteral(value)}`;
      await admin.query(`ALTER ROLE ${pg.escapeIdentifier(role)} ${setting}`);
    },
    seed: (count) => seedTodos(admin, count),
    async close() {
      await admin.end();
    },
  };
}
