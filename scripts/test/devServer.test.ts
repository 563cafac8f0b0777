import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { registerSecret } from '../../testing/logCapture';
import { freePort, pidAlive, postmasterPid } from '../../tools/localPostgres';

/**
 * `pnpm dev` as a user runs it, with no PostgreSQL at the configured address: it must start the
 * embedded one, migrate, serve, and on Ctrl-C stop everything, leaving no postgres behind.
 */
const root = join(__dirname, '..', '..');
// Not created here: the embedded server creates it (a root-owned directory would be unreadable to it).
const dataDir = join(tmpdir(), `dev-server-test-${process.pid}-${Date.now()}`);
const password = `dev-test-${Math.random().toString(36).slice(2)}`;
registerSecret(password);

interface Dev {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

async function startDev(dbPort: number, extraEnv: Record<string, string> = {}): Promise<Dev> {
  const port = await freePort();
  // Exactly what `npm run dev` runs: the setup bootstrap, then the `dev:server` script.
  const child = spawn(process.execPath, ['scripts/setup.mjs', 'dev:server'], {
    cwd: root,
    // Its own process group, so the test can signal the group as a terminal's Ctrl-C does.
    detached: true,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'development',
      PORT: String(port),
      DB_HOST: '127.0.0.1',
      DB_PORT: String(dbPort),
      DB_NAME: 'dev_test',
      DB_USER: 'postgres',
      DB_PASSWORD: password,
      DEV_POSTGRES_DIR: dataDir,
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  await waitForOutput(() => text, 'Ctrl-C to stop.', () => child.exitCode !== null);
  return { child, url: `http://127.0.0.1:${port}`, output: () => text, exited };
}

/** The output arrives through a pipe, a moment after the event that printed it. */
async function waitForOutput(output: () => string, expected: string | RegExp, gaveUp = (): boolean => false): Promise<void> {
  const deadline = Date.now() + 20_000;
  const found = (): boolean => (typeof expected === 'string' ? output().includes(expected) : expected.test(output()));
  while (!found()) {
    if (Date.now() > deadline || gaveUp()) throw new Error(`Expected ${String(expected)} in the output of pnpm dev:\n${output()}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

function postgresPid(): number {
  const pid = postmasterPid(dataDir);
  if (pid === undefined) throw new Error(`no postmaster.pid in ${dataDir}`);
  return pid;
}


async function ctrlC(dev: Dev): Promise<number | null> {
  process.kill(-dev.child.pid!, 'SIGINT');
  return dev.exited;
}

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

it('starts an embedded PostgreSQL when none answers, serves the API, and stops cleanly on Ctrl-C', async () => {
  const dbPort = await freePort();
  const dev = await startDev(dbPort);
  try {
    expect(dev.output()).toContain(`No PostgreSQL answers at 127.0.0.1:${dbPort}: started an embedded PostgreSQL`);
    expect(dev.output()).toContain('Migrations applied: 0001-create-todos');
    expect(await (await fetch(`${dev.url}/health`)).json()).toMatchObject({ status: 'ok', database: 'ok' });
    const created = await fetch(`${dev.url}/todos`, { method: 'POST', body: JSON.stringify({ title: 'kept' }), headers: { 'content-type': 'application/json' } });
    expect(created.status).toBe(201);
    await waitForOutput(dev.output, /POST \/todos 201 \d+ms/);
  } finally {
    const pid = postgresPid();
    expect(await ctrlC(dev)).toBe(0);
    expect(pidAlive(pid)).toBe(false);
  }
  expect(dev.output()).toContain('Stopped.');
  expect(existsSync(join(dataDir, 'postmaster.pid'))).toBe(false);
  expect(dev.output()).not.toContain(password);

  // Second run: same data directory, the schema is already there and so is the todo; CORS
  // restricted to one origin with DEV_CORS_ORIGINS.
  const again = await startDev(dbPort, { DEV_CORS_ORIGINS: 'http://localhost:5173' });
  try {
    expect(again.output()).toContain('Migrations: up to date');
    expect(again.output()).toContain('CORS: http://localhost:5173 (DEV_CORS_ORIGINS to change)');
    const page = (await (await fetch(`${again.url}/todos`)).json()) as { items: Array<{ title: string }> };
    expect(page.items.map((t) => t.title)).toEqual(['kept']);
    const preflight = (origin: string): Promise<Response> =>
      fetch(`${again.url}/todos`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect((await preflight('http://localhost:5173')).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect((await preflight('https://elsewhere.example')).headers.get('access-control-allow-origin')).toBeNull();
  } finally {
    expect(await ctrlC(again)).toBe(0);
  }
}, 60_000);

it('refuses a malformed DEV_CORS_ORIGINS before starting anything', async () => {
  const child = spawn(process.execPath, ['scripts/setup.mjs', 'dev:server'], {
    cwd: root,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DEV_CORS_ORIGINS: 'localhost:5173', DEV_POSTGRES_DIR: join(tmpdir(), `dev-cors-${process.pid}`) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  expect(code).toBe(1);
  expect(text).toContain('Could not start: DEV_CORS_ORIGINS: "localhost:5173" is not an origin');
  expect(text).not.toMatch(/PostgreSQL/);
}, 30_000);

