import { join } from 'node:path';
import { readDotenv } from '@lambdas/shared/env';
import { canConnect, startEmbeddedPostgres, type PgServer, type PgTarget } from '../tools/localPostgres';
import { serverToEnv } from './servers';

const root = join(__dirname, '..');

/** `.env` as a user wrote it, else the defaults of `.env.example`; the process environment wins. */
function configuredTarget(): PgTarget {
  const { values } = readDotenv(root, { orExample: true });
  const pick = (name: string, fallback: string): string => process.env[name] || values[name] || fallback;
  return {
    host: pick('DB_HOST', '127.0.0.1'),
    port: Number(pick('DB_PORT', '5432')),
    user: pick('DB_USER', 'postgres'),
    password: pick('DB_PASSWORD', 'postgres'),
  };
}

const started: PgServer[] = [];

/**
 * MySQL/MariaDB for the MYSQL secret tests: TEST_MYSQL_URL when set (`.ci/run` sets it), else a
 * server answering as root on 127.0.0.1:3306. Without one, those tests report themselves as not
 * configured — except when TEST_MYSQL_URL names a server or CI is set, where a missing server is a
 * failure (so `.ci/run` cannot pass by skipping them).
 */
async function detectMysql(): Promise<void> {
  const required = process.env.TEST_MYSQL_URL !== undefined || Boolean(process.env.CI);
  const url = process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql';
  const mysql = await import('mysql2/promise');
  try {
    const connection = await mysql.createConnection({ uri: url, connectTimeout: 1_500 });
    await connection.end();
    process.env.TEST_MYSQL_URL = url;
  } catch (error) {
    if (required) throw new Error(`MySQL/MariaDB expected at ${url} (TEST_MYSQL_URL or CI is set): ${String(error)}`);
    delete process.env.TEST_MYSQL_URL;
  }
}

export default async function globalSetup(): Promise<void> {
  const configured = configuredTarget();
  let main: PgTarget;
  let auth: PgServer | undefined;
  if (await canConnect(configured)) {
    main = configured;
  } else {
    auth = await startEmbeddedPostgres();
    started.push(auth);
    main = auth;
    process.stdout.write(`\nNo PostgreSQL answers at ${configured.host}:${configured.port}: tests use an embedded PostgreSQL on port ${auth.port}.\n`);
  }
  if (!auth) {
    auth = await startEmbeddedPostgres();
    started.push(auth);
  }
  await detectMysql();
  serverToEnv('MAIN', main);
  serverToEnv('AUTH', auth);
  (globalThis as { __embeddedPostgres?: PgServer[] }).__embeddedPostgres = started;
}
