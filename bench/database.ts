/**
 * The bench's own database: on the PostgreSQL of `.env` (or the embedded one `pnpm dev` would
 * start, with its data in `.tmp/bench-postgres`), a fresh `bench_<pid>_<time>` database, migrated by
 * the real `migrate` bundle and seeded; dropped at the end, so nobody's data is touched.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { seedTodos as insertTodos } from '../tools/seedTodos';
import { loadLocalEnv, prepareLocalDatabase } from '../scripts/localApi/localDatabase';
import type { PgTarget } from '../tools/localPostgres';

export interface BenchDatabase {
  target: Required<PgTarget>;
  description: string;
  /** `DB_*` for a worker's environment. */
  env: Record<string, string>;
  todoIds: string[];
  seed(count: number): Promise<void>;
  drop(): Promise<void>;
}

/** `count` seeded todos (`tools/seedTodos.ts`); with `caFile`, over TLS verified against that CA. Returns their ids. */
export async function seedTodos(target: PgTarget, count: number, caFile?: string): Promise<string[]> {
  const client = new pg.Client({ ...target, ...(caFile ? { ssl: { rejectUnauthorized: true, ca: readFileSync(caFile, 'utf8') } } : {}) });
  await client.connect();
  try {
    return await insertTodos(client, count);
  } finally {
    await client.end();
  }
}

export async function openBenchDatabase(root: string): Promise<BenchDatabase> {
  loadLocalEnv(root);
  process.env.DB_NAME = `bench_${process.pid}_${Date.now().toString(36)}`;
  const local = await prepareLocalDatabase(join(root, '.tmp', 'bench-postgres'));
  const target = local.target;
  const todoIds: string[] = [];
  return {
    target,
    description: local.description,
    env: { DB_HOST: target.host, DB_PORT: String(target.port), DB_NAME: target.database, DB_USER: target.user, DB_PASSWORD: target.password },
    todoIds,
    async seed(count) {
      todoIds.push(...(await seedTodos(target, count)));
    },
    async drop() {
      const client = new pg.Client({ ...target, database: 'postgres' });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(target.database)} WITH (FORCE)`);
      } finally {
        await client.end();
        await local.stop();
      }
    },
  };
}
