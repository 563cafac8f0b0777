/**
 * A PgBouncer of the tests' own (Debian's `pgbouncer` package), from a temporary directory with its
 * own ini and port, in front of a PostgreSQL: a real transaction pooler, for proving that the
 * functions' connections carry nothing a pooler refuses or keeps for the next client.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, pidAlive, type PgTarget } from './localPostgres';

export const PGBOUNCER_BINARY = process.env.PGBOUNCER_PATH ?? '/usr/sbin/pgbouncer';

export interface PgBouncer {
  readonly host: string;
  readonly port: number;
  /** Its process id (for CPU accounting by `pnpm bench:scale`). */
  readonly pid: number;
  stop(): Promise<void>;
}

export interface PgBouncerOptions {
  /** Server connections per database/user pair (`default_pool_size`). */
  poolSize: number;
}

const quote = (value: string): string => `"${value.replaceAll('"', '""')}"`;

/** Starts PgBouncer in `pool_mode = transaction` with its default `ignore_startup_parameters` (none). */
export async function startPgBouncer(server: PgTarget, options: PgBouncerOptions): Promise<PgBouncer> {
  const dir = mkdtempSync(join(tmpdir(), 'pgbouncer-'));
  const port = await freePort();
  writeFileSync(join(dir, 'users.txt'), `${quote(server.user)} ${quote(server.password)}\n`);
  writeFileSync(
    join(dir, 'pgbouncer.ini'),
    [
      '[databases]',
      `* = host=${server.host} port=${server.port}`,
      '[pgbouncer]',
      'listen_addr = 127.0.0.1',
      `listen_port = ${port}`,
      'unix_socket_dir =',
      'auth_type = plain',
      `auth_file = ${join(dir, 'users.txt')}`,
      'pool_mode = transaction',
      // The admin console (database `pgbouncer`: SHOW SERVERS, SHOW POOLS) for the same user.
      `admin_users = ${server.user}`,
      `default_pool_size = ${options.poolSize}`,
      'max_client_conn = 500',
      `logfile = ${join(dir, 'pgbouncer.log')}`,
      `pidfile = ${join(dir, 'pgbouncer.pid')}`,
      '',
    ].join('\n'),
  );
  // PgBouncer refuses to run as root: it then drops to `nobody`, which must read (and log into) the directory.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) chmodSync(dir, 0o777);
  const child = spawn(PGBOUNCER_BINARY, [...(asRoot ? ['-u', 'nobody'] : []), '-d', join(dir, 'pgbouncer.ini')], { stdio: 'ignore' });
  await new Promise<void>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`pgbouncer exited with ${code}`))));
  });
  const pidFile = join(dir, 'pgbouncer.pid');
  for (let i = 0; i < 100 && !existsSync(pidFile); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
  if (!existsSync(pidFile)) throw new Error(`pgbouncer did not start: ${existsSync(join(dir, 'pgbouncer.log')) ? readFileSync(join(dir, 'pgbouncer.log'), 'utf8') : ''}`);
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  return {
    host: '127.0.0.1',
    port,
    pid,
    stop: async () => {
      try {
        process.kill(pid, 'SIGTERM');
      } catch {
        /* gone already */
      }
      for (let i = 0; i < 100 && pidAlive(pid); i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
