/**
 * `pnpm bench:scale` (add `-- --smoke` for a few seconds' run): what a PostgreSQL with few
 * connection slots holds when more Lambda containers than slots call it, directly and through
 * PgBouncer (transaction mode), with each container keeping its connections between invocations
 * (the pool's idle 30 s) or closing them after every invocation. Method and results: docs/scale.md.
 *
 * Each container is a separate process running the real `todos` handler, bundled as deployed, with
 * production credentials from a local Secrets Manager (`tools/containerFleet.ts`). Containers call
 * one request after another; after a 503 they wait its `Retry-After`, as a polite client does.
 * Then a fleet after a burst: as many containers as there are slots frozen with their connection
 * open (as Lambda freezes one after each invocation) while 4 others call, directly without and with
 * the role's `idle_session_timeout`, and through PgBouncer.
 * Options: `--containers 4,8,16,32`, `--seconds 6`, `--max-connections 14`.
 */
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildContainerBundle, containerEnv, startContainers, type Container, type RunReport } from '../tools/containerFleet';
import { FakeSecretsManager } from '../tools/fakeSecretsManager';
import { postmasterPid, startEmbeddedPostgres } from '../tools/localPostgres';
import { PGBOUNCER_BINARY, startPgBouncer, type PgBouncer } from '../tools/pgbouncer';
import { prepareAppDatabase, type AppDatabase } from '../tools/scaleDatabase';
import { createTodoEvent, getTodoEvent, listTodosEvent } from './events';
import { cpuAccountingAvailable, treeCpuMs } from './procCpu';
import { percentile, round } from './stats';
import { workerNode } from './workerNode';

const root = fileURLToPath(new URL('..', import.meta.url));
const args = process.argv.slice(2);
const smoke = args.includes('--smoke');
const option = (name: string, fallback: string): string => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 && args[at + 1] !== undefined ? args[at + 1]! : fallback;
};
const CONTAINER_COUNTS = option('containers', smoke ? '4,14' : '4,8,16,32').split(',').map(Number);
const SECONDS = Number(option('seconds', smoke ? '1' : '6'));
const MAX_CONNECTIONS = Number(option('max-connections', '14'));
const RESERVED = 3;
/** Slots left for the application role: superusers' sessions count too, and the bench holds one. */
const CAPACITY = MAX_CONNECTIONS - RESERVED - 1;
/** The frozen-fleet cells: containers calling while as many as there are slots are frozen, and the role's timeout tried. */
const FROZEN_ACTIVE = 4;
const FROZEN_TIMEOUT = '2s';
const ROLE = 'scale_app';
const PASSWORD = `scale-${Math.random().toString(36).slice(2)}`;

type Target = 'direct' | 'pgbouncer';
type Mode = 'keep' | 'close';

export interface Cell {
  target: Target;
  mode: Mode;
  containers: number;
  seconds: number;
  requests: number;
  served: number;
  refused: number;
  other: number;
  servedPerS: number;
  requestsPerS: number;
  refusedShare: number;
  p50Ms: number;
  p99Ms: number;
  servedP99Ms: number;
  /** Containers that got at least one 2xx (of `containers`). */
  containersServed: number;
  /** Physical connections opened (successfully), and refused, per 100 requests. */
  connectsPer100: number;
  refusedConnectsPer100: number;
  /** CPU per request: the containers' processes, the PostgreSQL server (postmaster and backends), PgBouncer. */
  clientCpuMsPerRequest: number;
  serverCpuMsPerRequest: number;
  poolerCpuMsPerRequest: number;
  maxServerSessions: number;
  meanServerSessions: number;
  secretReads: number;
  credentialSearches: number;
  unhandled: number;
  defects: number;
}

/** Warm containers frozen while holding their connection, and a few active ones calling meanwhile. */
export interface FrozenCell {
  target: Target;
  idleSessionTimeout: string;
  frozen: number;
  active: number;
  seconds: number;
  /** The active containers' requests: served, refused, and the containers served at least once. */
  served: number;
  refused: number;
  containersServed: number;
  /** Over the active containers: the latest of their first 2xx, in s from the start (null: one was never served). */
  allServedAfterS: number | null;
  /** Application sessions on the server held by frozen containers, at the end of the active phase. */
  frozenSessionsAtEnd: number;
  /** Thawed, the frozen containers each call until served (8 s at most): how many were. */
  thawedServed: number;
  defects: number;
}

function step(message: string): void {
  process.stderr.write(`[bench:scale] ${message}\n`);
}

/** 10 invocations: 5 reads by id, 4 lists, 1 create. */
function eventMix(ids: string[], offset: number): unknown[] {
  const at = (i: number): string => ids[(offset * 7 + i) % ids.length]!;
  return [getTodoEvent(at(0)), listTodosEvent(), getTodoEvent(at(1)), listTodosEvent(), getTodoEvent(at(2)), createTodoEvent(offset), getTodoEvent(at(3)), listTodosEvent(), getTodoEvent(at(4)), listTodosEvent()];
}

async function measure(
  containers: Container[],
  target: Target,
  mode: Mode,
  db: AppDatabase,
  ids: string[],
  cpu: { server: () => number; pooler: () => number },
  fake: FakeSecretsManager,
): Promise<Cell> {
  // Every cell starts with warm processes and no open connection.
  await Promise.all(containers.map((c) => c.closePool()));
  await db.terminateAppSessions();
  const searchesBefore = containers.reduce((n, c) => n + c.credentialSearchLines, 0);
  const unhandledBefore = containers.reduce((n, c) => n + c.unhandledLines, 0);
  const readsBefore = fake.callCount('GetSecretValue');
  const sessions: number[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      sessions.push(await db.appSessionCount());
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  const serverBefore = cpu.server();
  const poolerBefore = cpu.pooler();
  const started = performance.now();
  const reports: RunReport[] = await Promise.all(containers.map((c, i) => c.run({ events: eventMix(ids, i), durationMs: SECONDS * 1_000, closeAfterEach: mode === 'close', honorRetryAfter: true })));
  const seconds = (performance.now() - started) / 1_000;
  const serverCpu = cpu.server() - serverBefore;
  const poolerCpu = cpu.pooler() - poolerBefore;
  sampling = false;
  await sampler;
  const status = reports.flatMap((r) => r.status);
  const ms = reports.flatMap((r) => r.ms);
  const servedMs = reports.flatMap((r) => r.ms.filter((_, i) => r.status[i]! < 300));
  const requests = status.length;
  const served = status.filter((s) => s >= 200 && s < 300).length;
  const refused = status.filter((s) => s === 503).length;
  const connects = reports.reduce((n, r) => n + r.connects, 0);
  const failures = reports.reduce((n, r) => n + r.connectFailures, 0);
  const per = (value: number): number => (requests === 0 ? 0 : value / requests);
  return {
    target,
    mode,
    containers: containers.length,
    seconds: round(seconds, 1),
    requests,
    served,
    refused,
    other: requests - served - refused,
    servedPerS: round(served / seconds, 0),
    requestsPerS: round(requests / seconds, 0),
    refusedShare: round(per(refused), 3),
    p50Ms: round(percentile(ms, 0.5), 1),
    p99Ms: round(percentile(ms, 0.99), 1),
    servedP99Ms: round(percentile(servedMs, 0.99), 1),
    containersServed: reports.filter((r) => r.status.some((s) => s >= 200 && s < 300)).length,
    connectsPer100: round(per(connects - failures) * 100, 1),
    refusedConnectsPer100: round(per(failures) * 100, 1),
    clientCpuMsPerRequest: round(per(reports.reduce((n, r) => n + r.cpuMs, 0)), 2),
    serverCpuMsPerRequest: round(per(serverCpu), 2),
    poolerCpuMsPerRequest: round(per(poolerCpu), 2),
    maxServerSessions: Math.max(0, ...sessions),
    meanServerSessions: round(sessions.reduce((a, b) => a + b, 0) / Math.max(1, sessions.length), 1),
    secretReads: fake.callCount('GetSecretValue') - readsBefore,
    credentialSearches: containers.reduce((n, c) => n + c.credentialSearchLines, 0) - searchesBefore,
    unhandled: containers.reduce((n, c) => n + c.unhandledLines, 0) - unhandledBefore,
    defects: reports.reduce((n, r) => n + r.defects.length, 0),
  };
}

/**
 * A Lambda fleet after a burst: `frozen` containers each served one request and were frozen with
 * their connection open (as Lambda freezes a container after every invocation); then `active`
 * other containers call for the cell's duration. With the role's `idle_session_timeout` the server
 * ends the frozen containers' sessions; through a transaction pooler they hold none.
 */
async function measureFrozen(fleet: Container[], target: Target, timeout: string | undefined, frozenCount: number, activeCount: number, db: AppDatabase, ids: string[]): Promise<FrozenCell> {
  await Promise.all(fleet.map((c) => c.closePool()));
  await db.setIdleSessionTimeout(timeout);
  await db.terminateAppSessions();
  const frozen = fleet.slice(0, frozenCount);
  const active = fleet.slice(frozenCount, frozenCount + activeCount);
  for (const c of frozen) await c.run({ events: [listTodosEvent()], count: 1 });
  frozen.forEach((c) => c.freeze());
  let reports: RunReport[] = [];
  let frozenSessionsAtEnd = 0;
  let thawed: RunReport[] = [];
  try {
    reports = await Promise.all(active.map((c, i) => c.run({ events: eventMix(ids, i), durationMs: SECONDS * 1_000, honorRetryAfter: true })));
    const sessions = await db.appSessions();
    frozenSessionsAtEnd = frozen.reduce((n, c) => n + (sessions.get(c.name) ?? 0), 0);
  } finally {
    frozen.forEach((c) => c.thaw());
  }
  try {
    thawed = await Promise.all(frozen.map((c, i) => c.run({ events: eventMix(ids, i), durationMs: 8_000, pauseMs: 250, stopOn: [200, 201] })));
  } finally {
    await db.setIdleSessionTimeout(undefined);
  }
  const status = reports.flatMap((r) => r.status);
  const firsts = reports.map((r) => r.firstOkAtMs);
  return {
    target,
    idleSessionTimeout: timeout ?? 'none',
    frozen: frozenCount,
    active: activeCount,
    seconds: SECONDS,
    served: status.filter((x) => x >= 200 && x < 300).length,
    refused: status.filter((x) => x === 503).length,
    containersServed: firsts.filter((f) => f !== null).length,
    allServedAfterS: firsts.every((f) => f !== null) ? round(Math.max(...(firsts as number[])) / 1_000, 2) : null,
    frozenSessionsAtEnd,
    thawedServed: thawed.filter((r) => (r.status.at(-1) ?? 0) >= 200 && (r.status.at(-1) ?? 0) < 300).length,
    defects: [...reports, ...thawed].reduce((n, r) => n + r.defects.length, 0),
  };
}

function frozenTable(cells: FrozenCell[]): string {
  const head = ['arrangement', 'idle_session_timeout', 'frozen holders', 'active containers', 'active: served', 'active: 503', 'active containers served', 'all active served after', 'frozen sessions at the end', 'thawed containers served'];
  const rows = cells.map((c) => [
    c.target,
    c.idleSessionTimeout,
    c.frozen,
    c.active,
    c.served,
    c.refused,
    `${c.containersServed}/${c.active}`,
    c.allServedAfterS === null ? 'never' : `${c.allServedAfterS} s`,
    c.frozenSessionsAtEnd,
    `${c.thawedServed}/${c.frozen}`,
  ]);
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function table(cells: Cell[]): string {
  const head = ['arrangement', 'C', 'served/s', 'req/s', '503 share', 'p50 ms', 'p99 ms', 'p99 2xx ms', 'containers served', 'connects /100 req', 'refused connects /100 req', 'client CPU ms/req', 'server CPU ms/req', 'pooler CPU ms/req', 'server sessions max (mean)', 'other'];
  const rows = cells.map((c) => [
    `${c.target}, ${c.mode === 'keep' ? 'keep connections' : 'close after each'}`,
    c.containers,
    c.servedPerS,
    c.requestsPerS,
    `${round(c.refusedShare * 100, 1)} %`,
    c.p50Ms,
    c.p99Ms,
    Number.isNaN(c.servedP99Ms) ? '–' : c.servedP99Ms,
    `${c.containersServed}/${c.containers}`,
    c.connectsPer100,
    c.refusedConnectsPer100,
    c.clientCpuMsPerRequest,
    c.serverCpuMsPerRequest,
    c.target === 'pgbouncer' ? c.poolerCpuMsPerRequest : '–',
    `${c.maxServerSessions} (${c.meanServerSessions})`,
    c.other + c.defects + c.unhandled + c.credentialSearches,
  ]);
  return [head, head.map(() => '---'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

async function main(): Promise<void> {
  if (!existsSync(PGBOUNCER_BINARY)) throw new Error(`No PgBouncer at ${PGBOUNCER_BINARY} (apt-get install pgbouncer, or PGBOUNCER_PATH)`);
  const started = performance.now();
  const node = workerNode(root);
  step(`containers run on Node.js ${node.version}; ${SECONDS} s per cell; max_connections ${MAX_CONNECTIONS} (${CAPACITY} slots for the application role)`);
  const dataDir = join(tmpdir(), `scale-pg-${process.pid}-${Date.now()}`);
  const server = await startEmbeddedPostgres({ dataDir, settings: { max_connections: String(MAX_CONNECTIONS), superuser_reserved_connections: String(RESERVED) } });
  const fake = await new FakeSecretsManager().start();
  const outDir = join(root, '.tmp', 'bench-scale');
  let db: AppDatabase | undefined;
  let bouncer: PgBouncer | undefined;
  const all: Container[] = [];
  try {
    db = await prepareAppDatabase(server, { database: 'scale', role: ROLE, password: PASSWORD });
    const ids = await db.seed(200);
    bouncer = await startPgBouncer(db.app, { poolSize: CAPACITY });
    const bundle = await buildContainerBundle(root, outDir);
    const postmaster = postmasterPid(dataDir) ?? 0;
    const cpu = { server: () => treeCpuMs(postmaster), pooler: () => (bouncer ? treeCpuMs(bouncer.pid) : 0) };
    const secrets: Record<Target, string> = { direct: 'bench/scale-direct', pgbouncer: 'bench/scale-pgbouncer' };
    fake.putSecret(secrets.direct, { engine: 'postgres', host: server.host, port: server.port, dbname: db.database, username: ROLE, password: PASSWORD });
    fake.putSecret(secrets.pgbouncer, { engine: 'postgres', host: bouncer.host, port: bouncer.port, dbname: db.database, username: ROLE, password: PASSWORD });
    const cells: Cell[] = [];
    const frozenCells: FrozenCell[] = [];
    const most = Math.max(...CONTAINER_COUNTS);
    for (const target of ['direct', 'pgbouncer'] as const) {
      step(`${target}: starting ${most} containers`);
      const containers = await startContainers(bundle, most, (i) => ({
        name: `${target}-${i}`,
        env: containerEnv(`${target}-${i}`, secrets[target], fake, target === 'pgbouncer' ? { DB_POOLER: 'transaction' } : {}),
        node: node.path,
      }));
      all.push(...containers);
      // Cold starts out of the way, one container at a time (credentials fetched, bundle warm).
      for (const c of containers) {
        await db.terminateAppSessions();
        await c.run({ events: [listTodosEvent()], count: 1 });
        await c.closePool();
      }
      for (const count of CONTAINER_COUNTS) {
        for (const mode of ['keep', 'close'] as const) {
          const cell = await measure(containers.slice(0, count), target, mode, db, ids, cpu, fake);
          cells.push(cell);
          step(`${target} ${mode} C=${count}: ${cell.servedPerS} served/s, ${round(cell.refusedShare * 100, 1)} % 503, p99 ${cell.p99Ms} ms, ${cell.containersServed}/${count} containers served`);
        }
      }
      // A fleet after a burst: as many frozen holders as slots, 4 containers calling meanwhile.
      if (most >= CAPACITY + FROZEN_ACTIVE) {
        for (const timeout of target === 'direct' ? [undefined, FROZEN_TIMEOUT] : [undefined]) {
          const cell = await measureFrozen(containers, target, timeout, CAPACITY, FROZEN_ACTIVE, db, ids);
          frozenCells.push(cell);
          step(`${target} frozen fleet, idle_session_timeout ${cell.idleSessionTimeout}: ${cell.containersServed}/${cell.active} active containers served, all after ${cell.allServedAfterS ?? 'never'} s; thawed ${cell.thawedServed}/${cell.frozen} served`);
        }
      }
      await Promise.all(containers.map((c) => c.stop()));
    }
    const report = `${table(cells)}\n\nFrozen fleet (${CAPACITY} containers frozen holding a connection each, ${FROZEN_ACTIVE} others calling for ${SECONDS} s):\n\n${frozenTable(frozenCells)}`;
    const cpuInfo = cpus();
    const machine = { cpu: cpuInfo[0]?.model ?? 'unknown', cores: cpuInfo.length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: node.version, platform: `${process.platform}-${process.arch}` };
    process.stdout.write(
      `max_connections ${MAX_CONNECTIONS} (${CAPACITY} slots for the application role), PgBouncer default_pool_size ${CAPACITY}; ${SECONDS} s per cell; ${machine.cores} cores; CPU accounting ${cpuAccountingAvailable() ? 'from /proc' : 'n/a'}\n${report}\n`,
    );
    const resultsDir = join(root, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    writeFileSync(join(resultsDir, 'scale-latest.json'), `${JSON.stringify({ date: new Date().toISOString(), mode: smoke ? 'smoke' : 'full', machine, maxConnections: MAX_CONNECTIONS, capacity: CAPACITY, seconds: SECONDS, cells, frozenCells }, null, 2)}\n`);
    step(`done in ${Math.round((performance.now() - started) / 1000)} s; figures in bench/results/scale-latest.json`);
    const bad = cells.reduce((n, c) => n + c.other + c.defects + c.unhandled + c.credentialSearches, 0) + frozenCells.reduce((n, c) => n + c.defects, 0);
    if (bad > 0) throw new Error(`${bad} responses were neither 2xx nor a 503 with Retry-After, or a credential search / unhandled error was logged`);
  } finally {
    await Promise.all(all.map((c) => c.stop()));
    await bouncer?.stop();
    await db?.close();
    await fake.stop();
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:scale failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
