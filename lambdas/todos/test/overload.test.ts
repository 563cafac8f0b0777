/**
 * Too many connections, across containers: a PostgreSQL with `max_connections = 9` (3 of them
 * reserved for superusers, 1 used by the test's own superuser session: 5 slots for the application role) and 8 containers, each a separate
 * process with the real `todos` handler (bundled as deployed), its own pool and production
 * credentials from (a local) Secrets Manager.
 *
 * - Overload: every response is a 2xx or a fast 503 with `Retry-After` and a JSON body: never a
 *   500, never a thrown handler, never a credential search, never a crashed process.
 * - A frozen container (SIGSTOP, as Lambda freezes one between invocations) cannot run its pool's
 *   idle timer: its connection stays open and the containers beyond the server's slots stay
 *   starved for as long as nothing closes it. With `idle_session_timeout` set on the application
 *   role, the server closes it and every container is served again; thawed, the frozen ones
 *   discard their dead connection and are served too.
 * - Through PgBouncer (transaction mode, 4 server connections): no 503 at all, and frozen
 *   containers hold no server connection, so nobody starves (not configured without PgBouncer;
 *   a failure with `CI` set).
 *
 * Load-independent figures (counts of statuses, connection attempts, sessions) carry the
 * assertions; times are bounded only loosely (the machine may be shared).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildContainerBundle, containerEnv, startContainers, type Container, type RunReport } from '../../../tools/containerFleet';
import { FakeSecretsManager } from '../../../tools/fakeSecretsManager';
import { PGBOUNCER_BINARY, startPgBouncer, type PgBouncer } from '../../../tools/pgbouncer';
import { prepareAppDatabase, type AppDatabase } from '../../../tools/scaleDatabase';
import { spawnEmbeddedPostgres, type ChildPgServer } from '../../../testing/embeddedPostgresProcess';
import { apiEvent } from '../../../testing/httpApi';
import { assertNoSecretIn, registerSecret } from '../../../testing/logCapture';

const ROOT = join(__dirname, '..', '..', '..');
const CONTAINERS = 8;
const MAX_CONNECTIONS = 9;
const RESERVED = 3;
/**
 * What the application role can hold on the server: superusers' sessions count against the same
 * total, and the test's own (`db.admin`) is one of them.
 */
const CAPACITY = MAX_CONNECTIONS - RESERVED - 1;
const BOUNCER_POOL = 4;
const ROLE = 'scale_app';
const PASSWORD = 'Scale-App-Pw-7q8r9s';
const SECRET = 'prod/scale-db';
const BOUNCER_SECRET = 'prod/scale-db-pooled';

const bouncerMissing = !existsSync(PGBOUNCER_BINARY);
const NOT_CONFIGURED = `PGBOUNCER overload tests not configured: no PgBouncer at ${PGBOUNCER_BINARY} (apt-get install pgbouncer)`;
if (bouncerMissing && !process.env.CI) process.stdout.write(`${NOT_CONFIGURED}\n`);
const describePooler = bouncerMissing && !process.env.CI ? describe.skip : describe;

const fake = new FakeSecretsManager();
let server: ChildPgServer;
let db: AppDatabase;
let bundleDir: string;
let bundle: string;
const everyContainer: Container[] = [];

const events = (): unknown[] => [apiEvent('GET', '/todos?limit=5'), apiEvent('POST', '/todos', { body: { title: 'under load' } })];

async function start(prefix: string, secret: string, extra: Record<string, string> = {}): Promise<Container[]> {
  const containers = await startContainers(bundle, CONTAINERS, (i) => ({ name: `${prefix}${i}`, env: containerEnv(`${prefix}${i}`, secret, fake, extra), keepLogs: true }));
  everyContainer.push(...containers);
  return containers;
}

/** Every response a 2xx or a JSON 503 with Retry-After (the container checks each, `defects`), and every 503 fast. */
function expectOnly2xxOr503(reports: RunReport[]): { ok: number; unavailable: number } {
  expect(reports.flatMap((r) => r.defects)).toEqual([]);
  const statuses = reports.flatMap((r) => r.status);
  expect(statuses.filter((s) => !(s === 200 || s === 201 || s === 503))).toEqual([]);
  // Fast: a refused connection, never a wait. By count: at most the cold start's authenticate and
  // retryRead's pool.max + 1 attempts per 503; by time, loosely: under one connect timeout (3 s).
  const slow = reports.flatMap((r) => r.status.map((s, i) => ({ s, ms: r.ms[i]!, attempts: r.attempts[i]! }))).filter((x) => x.s === 503 && (x.ms >= 3_000 || x.attempts > 4));
  expect(slow).toEqual([]);
  return { ok: statuses.filter((s) => s < 300).length, unavailable: statuses.filter((s) => s === 503).length };
}

function expectHealthy(containers: Container[]): void {
  for (const c of containers) {
    expect({ name: c.name, exit: c.exit, searches: c.credentialSearchLines, unhandled: c.unhandledLines }).toEqual({ name: c.name, exit: undefined, searches: 0, unhandled: 0 });
  }
}

const holders = async (): Promise<Set<string>> => new Set((await db.appSessions()).keys());

/**
 * One container at a time (no storm) runs one request, until the application role holds every slot:
 * the pools keep their connection (idle 30 s), so each container served holds one.
 */
async function fillSlots(containers: Container[]): Promise<void> {
  // A few passes: a slot an ended backend has not quite freed yet refuses a first call.
  for (let pass = 0; pass < 3 && (await db.appSessionCount()) < CAPACITY; pass += 1) {
    for (const c of containers) {
      if ((await db.appSessionCount()) >= CAPACITY) break;
      if ((await holders()).has(c.name)) continue;
      await c.run({ events: [apiEvent('GET', '/todos?limit=1')], count: 1 });
    }
  }
  expect(await db.appSessionCount()).toBe(CAPACITY);
}

beforeAll(async () => {
  registerSecret(PASSWORD);
  await fake.start();
  server = await spawnEmbeddedPostgres({ settings: { max_connections: String(MAX_CONNECTIONS), superuser_reserved_connections: String(RESERVED) } });
  registerSecret(server.password);
  db = await prepareAppDatabase(server, { database: 'scale', role: ROLE, password: PASSWORD });
  await db.seed(20);
  fake.putSecret(SECRET, { engine: 'postgres', host: server.host, port: server.port, dbname: db.database, username: ROLE, password: PASSWORD });
  bundleDir = mkdtempSync(join(tmpdir(), 'overload-'));
  bundle = await buildContainerBundle(ROOT, bundleDir);
}, 60_000);

// A failed test must not leave a container frozen: the next one would wait on it forever.
afterEach(() => {
  for (const c of everyContainer) if (c.frozen) c.thaw();
});

afterAll(async () => {
  const codes = await Promise.all(everyContainer.map((c) => c.stop()));
  for (const c of everyContainer) assertNoSecretIn(c.logs, `container ${c.name}'s logs`);
  await db?.close();
  await server?.stop();
  await fake.stop();
  if (bundleDir) rmSync(bundleDir, { recursive: true, force: true });
  // Every container was alive to the end and shut down cleanly.
  expect(codes).toEqual(everyContainer.map(() => 0));
}, 30_000);

describe(`directly: ${CONTAINERS} containers, ${CAPACITY} server slots for the application role`, () => {
  let containers: Container[];

  test('overload: only 2xx and fast 503s with Retry-After; no 500, no credential search, no crash', async () => {
    containers = await start('direct-', SECRET);
    fake.calls.length = 0;
    const reports = await Promise.all(containers.map((c) => c.run({ events: events(), count: 12 })));
    const { ok, unavailable } = expectOnly2xxOr503(reports);
    expect(ok).toBeGreaterThan(0);
    expect(unavailable).toBeGreaterThan(0);
    expect(await db.appSessionCount()).toBeLessThanOrEqual(CAPACITY);
    expectHealthy(containers);
    // One secret read per container at most (its cold start; a failed first connect re-reads the
    // in-memory cache, not Secrets Manager): a refused connection is not a rejected password.
    expect(fake.callCount('GetSecretValue')).toBeLessThanOrEqual(CONTAINERS);
    const attempts = reports.flatMap((r) => r.status.map((s, i) => (s === 503 ? r.attempts[i]! : -1))).filter((a) => a >= 0);
    process.stdout.write(
      `overload test: ${ok} × 2xx, ${unavailable} × 503 (connection attempts per 503: ${Math.min(...attempts)}–${Math.max(...attempts)}), ${fake.callCount('GetSecretValue')} GetSecretValue calls for ${CONTAINERS} containers\n`,
    );
  }, 60_000);

  test('frozen containers holding idle connections starve the rest for as long as nothing closes them; thawed after their sessions were ended, they recover', async () => {
    await fillSlots(containers);
    const held = await holders();
    const holding = containers.filter((c) => held.has(c.name));
    const starved = containers.filter((c) => !held.has(c.name));
    expect(starved.length).toBeGreaterThanOrEqual(CONTAINERS - CAPACITY);
    holding.forEach((c) => c.freeze());
    const first = await Promise.all(starved.map((c) => c.run({ events: events(), count: 3, pauseMs: 300 })));
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const later = await Promise.all(starved.map((c) => c.run({ events: events(), count: 3, pauseMs: 300 })));
    expectOnly2xxOr503([...first, ...later]);
    expect([...first, ...later].flatMap((r) => r.status).every((s) => s === 503)).toBe(true);
    // The same sessions, all of frozen containers, still hold every slot.
    expect(await holders()).toEqual(held);
    // Something else closes them (here an operator; a restart would too); thawed, each frozen
    // container meets its dead connection, discards it and is served on a fresh one. (An ended
    // backend leaves pg_stat_activity a moment before it frees its slot: a first call may still
    // meet a 53300, hence "until served".)
    await db.terminateAppSessions();
    holding.forEach((c) => c.thaw());
    const thawed = await Promise.all(holding.map((c) => c.run({ events: events(), durationMs: 8_000, pauseMs: 250, stopOn: [200, 201] })));
    expectOnly2xxOr503(thawed);
    // Every thawed container is served (a pool of one connection never holds two slots).
    expect(holding.map((_, i) => [200, 201].includes(thawed[i]!.status.at(-1) ?? 0))).toEqual(holding.map(() => true));
    expect([...(await db.appSessions()).values()].every((n) => n <= 1)).toBe(true);
    expectHealthy(containers);
  }, 60_000);

  test("with idle_session_timeout on the application role, the server frees a frozen container's slot: every container is served again", async () => {
    await db.setIdleSessionTimeout('1s');
    await Promise.all(containers.map((c) => c.closePool()));
    await db.terminateAppSessions();
    await fillSlots(containers);
    const held = await holders();
    const holding = containers.filter((c) => held.has(c.name));
    const starved = containers.filter((c) => !held.has(c.name));
    holding.forEach((c) => c.freeze());
    const started = performance.now();
    // Each starved container calls every 250 ms until served (8 s at most).
    const served = await Promise.all(starved.map((c) => c.run({ events: events(), durationMs: 8_000, pauseMs: 250, stopOn: [200, 201] })));
    const waitedMs = performance.now() - started;
    expectOnly2xxOr503(served);
    for (const report of served) expect(report.status.at(-1)).toBeLessThan(300);
    // The server ends every frozen container's session once it has been idle for the timeout (the
    // youngest may still be inside it when the starved containers have been served: poll, 5 s at most).
    let frozenLeft = holding;
    for (let i = 0; i < 50 && frozenLeft.length > 0; i += 1) {
      const sessions = await holders();
      frozenLeft = holding.filter((c) => sessions.has(c.name));
      if (frozenLeft.length > 0) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(frozenLeft.map((c) => c.name)).toEqual([]);
    // Thawed: each discards its dead connection (closed by the server while frozen) and is served
    // once a slot is free (the starved ones' sessions, too, end after 1 s idle).
    holding.forEach((c) => c.thaw());
    const thawed = await Promise.all(holding.map((c) => c.run({ events: events(), durationMs: 8_000, pauseMs: 250, stopOn: [200, 201] })));
    expectOnly2xxOr503(thawed);
    for (const report of thawed) expect(report.status.at(-1)).toBeLessThan(300);
    expectHealthy(containers);
    process.stdout.write(`overload test: starved containers served again after ${Math.round(waitedMs)} ms (idle_session_timeout 1 s)\n`);
    await db.setIdleSessionTimeout(undefined);
  }, 60_000);
});

describePooler(`through PgBouncer (transaction mode, ${BOUNCER_POOL} server connections): ${CONTAINERS} containers`, () => {
  let bouncer: PgBouncer;
  let containers: Container[];

  beforeAll(async () => {
    if (bouncerMissing) throw new Error(`${NOT_CONFIGURED} (CI is set)`);
    await Promise.all(everyContainer.map((c) => c.closePool()));
    await db.terminateAppSessions();
    bouncer = await startPgBouncer(db.app, { poolSize: BOUNCER_POOL });
    fake.putSecret(BOUNCER_SECRET, { engine: 'postgres', host: bouncer.host, port: bouncer.port, dbname: db.database, username: ROLE, password: PASSWORD });
    containers = await start('pooled-', BOUNCER_SECRET, { DB_POOLER: 'transaction' });
  }, 60_000);

  afterAll(async () => {
    await Promise.all((containers ?? []).map((c) => c.closePool()));
    await bouncer?.stop();
  });

  test('overload: every request is served (the pooler queues instead of the server refusing); at most 4 server sessions', async () => {
    const reports = await Promise.all(containers.map((c) => c.run({ events: events(), count: 12 })));
    const { ok, unavailable } = expectOnly2xxOr503(reports);
    expect({ ok, unavailable }).toEqual({ ok: CONTAINERS * 12, unavailable: 0 });
    expect(await db.appSessionCount()).toBeLessThanOrEqual(BOUNCER_POOL);
    expectHealthy(containers);
  }, 60_000);

  test('frozen containers hold no server connection: the others are served at once, and so are the frozen ones once thawed', async () => {
    const frozen = containers.slice(0, CAPACITY);
    const running = containers.slice(CAPACITY);
    frozen.forEach((c) => c.freeze());
    const reports = await Promise.all(running.map((c) => c.run({ events: events(), count: 5 })));
    expect(reports.flatMap((r) => r.status).every((s) => s < 300)).toBe(true);
    frozen.forEach((c) => c.thaw());
    const thawed = await Promise.all(frozen.map((c) => c.run({ events: events(), count: 2 })));
    expect(thawed.flatMap((r) => r.status).every((s) => s < 300)).toBe(true);
    expectOnly2xxOr503([...reports, ...thawed]);
    expectHealthy(containers);
  }, 60_000);

  test("the role's idle_session_timeout also ends the pooler's idle server connections: PgBouncer opens new ones, no request fails", async () => {
    await db.setIdleSessionTimeout('1s');
    await db.terminateAppSessions();
    try {
      const before = await Promise.all(containers.map((c) => c.run({ events: events(), count: 3 })));
      // Every server session of the pooler has been idle past the timeout and closed by the server.
      await new Promise((resolve) => setTimeout(resolve, 1_600));
      expect(await db.appSessionCount()).toBe(0);
      const after = await Promise.all(containers.map((c) => c.run({ events: events(), count: 3 })));
      expectOnly2xxOr503([...before, ...after]);
      expect([...before, ...after].flatMap((r) => r.status).every((s) => s < 300)).toBe(true);
      expectHealthy(containers);
    } finally {
      await db.setIdleSessionTimeout(undefined);
    }
  }, 60_000);
});
