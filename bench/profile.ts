/**
 * `pnpm bench:profile [--runs N] [--bundle todos|sequelize-floor|floor] [--production]`: where a
 * cold start's CPU goes. Builds the bench's bundles, prepares the bench database, then runs N fresh
 * processes (Node 22, as `pnpm bench`) that import the bundle and serve one `GET /todos/{id}` under
 * `node --cpu-prof`, and prints each package's self time (source-mapped, `tools/cpuProfile.ts`).
 * `--production` reads the password from Secrets Manager (the local fake) as Lambda does.
 * The profiles stay in `.tmp/bench-profile/` for Chrome DevTools or `speedscope`.
 */
import { mkdirSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { selfTimeByBucket, type CpuProfile } from '../tools/cpuProfile';
import { buildArtifacts, runMigrations } from './artifacts';
import { openBenchDatabase } from './database';
import { environments } from './environment';
import { getTodoEvent } from './events';
import { runWorker, useWorkerNode } from './spawnWorker';
import { median } from './stats';
import { workerNode } from './workerNode';
import type { ColdResult } from './workers/protocol';

const root = fileURLToPath(new URL('..', import.meta.url));
const BUNDLES = ['todos', 'sequelize-floor', 'floor'] as const;
type BundleName = (typeof BUNDLES)[number];

/** Sampling interval, µs: fine enough for a ≈ 100 ms span, coarse enough not to double it. */
const INTERVAL_US = 200;

function options(): { runs: number; bundle: BundleName; production: boolean } {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '8' }, bundle: { type: 'string', default: 'todos' }, production: { type: 'boolean', default: false } } });
  const runs = Number(values.runs);
  if (!Number.isInteger(runs) || runs < 1 || runs > 200) throw new Error(`--runs must be an integer from 1 to 200, not ${values.runs}`);
  const bundle = BUNDLES.find((name) => name === values.bundle);
  if (!bundle) throw new Error(`--bundle must be one of ${BUNDLES.join(', ')}, not ${values.bundle}`);
  // The floors read their credentials from the environment only.
  if (values.production && bundle !== 'todos') throw new Error('--production applies to --bundle todos only');
  return { runs, bundle, production: values.production };
}

async function main(): Promise<void> {
  const { runs, bundle, production } = options();
  const node = workerNode(root);
  useWorkerNode(node.path);
  const outDir = join(root, '.tmp', 'bench-out');
  const profileDir = join(root, '.tmp', 'bench-profile');
  rmSync(outDir, { recursive: true, force: true });
  rmSync(profileDir, { recursive: true, force: true });
  mkdirSync(profileDir, { recursive: true });
  process.stderr.write(`[profile] bundling; workers on Node.js ${node.version}\n`);
  const artifacts = await buildArtifacts(root, outDir);
  const file = { todos: artifacts.todos, 'sequelize-floor': artifacts.floorSequelize, floor: artifacts.floor }[bundle];
  const db = await openBenchDatabase(root);
  let envs: Awaited<ReturnType<typeof environments>> | undefined;
  try {
    envs = await environments(db);
    await runMigrations(artifacts, envs.development);
    await db.seed(20);
    const id = db.todoIds[0] ?? '';
    const env = production ? envs.production : envs.development;
    const cpu: number[] = [];
    for (let run = 0; run < runs; run += 1) {
      const result = await runWorker<ColdResult>({
        file: artifacts.workers.cold,
        task: { kind: 'cold', bundle: file, functionName: 'todos', event: getTodoEvent(id) },
        env,
        cwd: outDir,
        nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${profileDir}`, `--cpu-prof-interval=${INTERVAL_US}`],
      });
      if (result.statusCode !== 200) throw new Error(`the first response was ${result.statusCode}`);
      cpu.push(result.firstResponseCpuMs);
    }
    const profiles = readdirSync(profileDir).map((name) => JSON.parse(readFileSync(join(profileDir, name), 'utf8')) as CpuProfile);
    const buckets = selfTimeByBucket(profiles, pathToFileURL(file).href, JSON.parse(readFileSync(`${file}.map`, 'utf8')));
    // Every bundle bucket is a package or a project file; if none got a sample, the profile's URL of
    // the bundle no longer matched (a symlink, a query string) and the table would say nothing.
    const inBundle = buckets.filter((b) => b.inBundle).reduce((sum, b) => sum + b.share, 0);
    if (inBundle < 0.05) throw new Error(`only ${(100 * inBundle).toFixed(1)} % of the samples map into ${file}: the profile's script URL does not match the bundle`);
    const lines = buckets.filter((b) => b.share >= 0.005).map((b) => `| ${b.name} | ${b.ms.toFixed(1)} | ${(100 * b.share).toFixed(1)} % |`);
    process.stdout.write(
      [
        `${bundle}${production ? ' (Secrets Manager)' : ''}: ${runs} cold starts on Node.js ${node.version}, sampled every ${INTERVAL_US} µs; first response CPU under the profiler ${median(cpu).toFixed(1)} ms (median). Whole processes, self time per run:`,
        '',
        '| where | ms per run | share |',
        '|---|---|---|',
        ...lines,
        '',
        `Profiles: ${profileDir}`,
        '',
      ].join('\n'),
    );
  } finally {
    await envs?.fake.stop();
    await db.drop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:profile failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
