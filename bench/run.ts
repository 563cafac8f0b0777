/**
 * `pnpm bench` (add `-- --smoke` for a few iterations: what CI runs so the command cannot rot).
 * Builds the bundles with scripts/bundle.ts, then measures, each beside its floor in the same run:
 * cold start, warm latency, Secrets Manager traffic and memory. Prints a table and writes the same
 * figures to bench/results/latest.json. The method is described in docs/performance.md.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildArtifacts, runMigrations } from './artifacts';
import { measureColdStarts, type ColdSpec, type ColdVariant } from './coldStart';
import { openBenchDatabase } from './database';
import { environments } from './environment';
import { openLatencyWorld } from './latency';
import { CPU_TARGET, LATENCY_TARGET, SDK_FLOOR, SEQUELIZE_FLOOR, rows, table } from './report';
import { measureSecrets } from './secretsTraffic';
import { useWorkerNode } from './spawnWorker';
import { workerNode } from './workerNode';
import { measureWarm } from './warmLatency';

const root = fileURLToPath(new URL('..', import.meta.url));
const smoke = process.argv.includes('--smoke');
/** `--cold`: bundles and cold starts only (to iterate on start-up work); the JSON says so. */
const coldOnly = process.argv.includes('--cold');
/** `--machine-node`: workers on the machine's own Node instead of Node 22 (to compare majors). */
const machineNode = process.argv.includes('--machine-node');
/** `--node 24`: workers on Node 24 (the current LTS, also a Lambda runtime) instead of 22. */
const nodeMajor = process.argv.includes('--node') ? process.argv[process.argv.indexOf('--node') + 1] : undefined;
if (nodeMajor !== undefined && nodeMajor !== '22' && nodeMajor !== '24') throw new Error(`--node takes 22 or 24 (as two words), not ${nodeMajor}`);
if (process.argv.some((arg) => arg.startsWith('--node='))) throw new Error('Write --node 24, not --node=24');
if (nodeMajor !== undefined && machineNode) throw new Error('--node and --machine-node exclude each other');

/** Full run ≈ 1.5–2 minutes on 2 cores; smoke ≈ 15–20 s with the bundling (docs/performance.md). */
const PLAN = smoke
  ? { seed: 50, coldRuns: 2, warm: { iterations: 100, memoryInvocations: 1_000, runs: 1 }, secretInvocations: 200 }
  : { seed: 200, coldRuns: 20, warm: { iterations: 2_000, memoryInvocations: 20_000, runs: 3 }, secretInvocations: 10_000 };

function step(message: string): void {
  process.stderr.write(`[bench] ${message}\n`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const outDir = join(root, '.tmp', 'bench-out');
  rmSync(outDir, { recursive: true, force: true });
  const node = machineNode ? { path: process.execPath, version: process.version } : workerNode(root, nodeMajor === '24' ? '24' : '22');
  useWorkerNode(node.path);
  step(`workers run on Node.js ${node.version}`);
  step('bundling with scripts/bundle.ts');
  const artifacts = await buildArtifacts(root, outDir);
  const db = await openBenchDatabase(root);
  step(db.description);
  const envs = await environments(db);
  try {
    await runMigrations(artifacts, envs.development);
    await db.seed(PLAN.seed);
    const firstId = db.todoIds[0];
    if (firstId === undefined) throw new Error('Seeding produced no rows');

    const world = await openLatencyWorld(artifacts, PLAN.seed);
    let cold: ColdVariant[];
    try {
      step(`latency variant: ${world.description}`);
      const specs: ColdSpec[] = [
        { name: CPU_TARGET, bundle: artifacts.todos, env: envs.development, todoId: firstId, floor: 'raw-pg floor' },
        { name: 'raw-pg floor', bundle: artifacts.floor, env: envs.development, todoId: firstId },
        { name: SEQUELIZE_FLOOR, bundle: artifacts.floorSequelize, env: envs.development, todoId: firstId, floor: 'raw-pg floor' },
        { name: 'todos (Secrets Manager)', bundle: artifacts.todos, env: envs.production, todoId: firstId, fake: envs.fake, floor: SDK_FLOOR },
        { name: SDK_FLOOR, bundle: artifacts.floorSdk, env: envs.production, todoId: firstId, fake: envs.fake },
        { name: 'todos + init warm-up (SM)', bundle: artifacts.todosWarmUp, env: envs.production, todoId: firstId, fake: envs.fake, floor: SDK_FLOOR },
        { name: 'todos, plain entry (SM)', bundle: artifacts.todosPlain, env: envs.production, todoId: firstId, fake: envs.fake, floor: SDK_FLOOR },
        { name: LATENCY_TARGET, bundle: artifacts.todos, env: world.production, todoId: world.todoId, fake: world.fake, floor: 'latency: raw-pg + SDK floor' },
        { name: 'latency: todos, plain entry (SM, TLS)', bundle: artifacts.todosPlain, env: world.production, todoId: world.todoId, fake: world.fake, floor: 'latency: raw-pg + SDK floor' },
        { name: 'latency: raw-pg + SDK floor', bundle: artifacts.floorSdk, env: world.production, todoId: world.todoId, fake: world.fake },
      ];
      step(`cold starts: ${PLAN.coldRuns} rounds of ${specs.length} variants`);
      cold = await measureColdStarts(artifacts.workers.cold, artifacts.dir, specs, PLAN.coldRuns);
    } finally {
      await world.stop();
    }
    let warm: Awaited<ReturnType<typeof measureWarm>> | undefined;
    let secrets: Awaited<ReturnType<typeof measureSecrets>> | undefined;
    if (!coldOnly) {
      step(`warm latency: ${PLAN.warm.iterations} invocations per route, memory over ${PLAN.warm.memoryInvocations}`);
      warm = await measureWarm(artifacts, envs, db, PLAN.warm);
      step(`Secrets Manager traffic: ${PLAN.secretInvocations} invocations, 100 concurrent, preload of 50`);
      secrets = await measureSecrets(artifacts, envs, db.todoIds, PLAN.secretInvocations);
    }

    const all = rows({ sizes: artifacts.sizes, cold, warm, secrets });
    const report = table(all);
    process.stdout.write(`Workers on Node.js ${node.version} (${smoke ? 'smoke' : 'full'} run${coldOnly ? ', cold starts only' : ''})\n${report}\n`);
    const cpu = cpus();
    const machine = { cpu: cpu[0]?.model ?? 'unknown', cores: cpu.length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: node.version, benchNode: process.version, platform: `${process.platform}-${process.arch}` };
    const resultsDir = join(root, 'bench', 'results');
    mkdirSync(resultsDir, { recursive: true });
    const json = { date: new Date().toISOString(), mode: `${smoke ? 'smoke' : 'full'}${coldOnly ? ' (cold only)' : ''}`, machine, database: db.description, plan: PLAN, rows: all, raw: { sizes: artifacts.sizes, cold, warm, secrets } };
    writeFileSync(join(resultsDir, 'latest.json'), `${JSON.stringify(json, null, 2)}\n`);
    step(`done in ${Math.round((performance.now() - started) / 1000)} s; figures in bench/results/latest.json`);
  } finally {
    await envs.fake.stop();
    await db.drop();
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`Benchmark failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
