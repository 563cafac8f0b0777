/**
 * Everything the bench runs, built into one scratch directory (no node_modules there, as on Lambda):
 * each function's bundle with `scripts/bundle.ts` (the deployed settings), the `todos` bundle with
 * the init-phase warm-up entry, the raw-`pg` floors (without and with the SDK) and the Sequelize floor with the same options,
 * and the workers.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { FUNCTION_NAMES, type FunctionName } from '@lambdas/shared';
import { REQUIRE_SHIM, bundleFunction, type BundleResult } from '../scripts/bundle';
import { runWorker } from './spawnWorker';

export interface BundleSize {
  name: string;
  bytes: number;
  gzipBytes: number;
}

export interface Artifacts {
  dir: string;
  todos: string;
  todosWarmUp: string;
  /** `todos` with the plain entry (the handler module): what the early credential fetch is compared with. */
  todosPlain: string;
  floor: string;
  /** The latency variant's floor: `pg` with TLS and the SDK's GetSecretValue (bench/floor/rawPgSdkHandler.ts). */
  floorSdk: string;
  /** Sequelize and one model, nothing of the project's (bench/floor/sequelizeHandler.ts): what Sequelize alone costs. */
  floorSequelize: string;
  migrate: string;
  workers: { cold: string; warm: string; invoke: string };
  sizes: BundleSize[];
}

function size(name: string, file: string): BundleSize {
  const code = readFileSync(file);
  return { name, bytes: code.length, gzipBytes: gzipSync(code).length };
}

async function buildWorker(root: string, dir: string, name: keyof Artifacts['workers']): Promise<string> {
  const outfile = join(dir, 'workers', `${name}.mjs`);
  await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'bench', 'workers', `${name}.ts`)],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: ['pg-native'],
    banner: { js: REQUIRE_SHIM },
    logLevel: 'error',
  });
  return outfile;
}

export async function buildArtifacts(root: string, dir: string): Promise<Artifacts> {
  const functions = await Promise.all(FUNCTION_NAMES.map((fn) => bundleFunction(root, fn, join(dir, fn))));
  const outfileOf = (fn: FunctionName): string => functions.find((f) => f.fn === fn)?.outfile ?? '';
  const warmUp = await bundleFunction(root, 'todos', join(dir, 'todos-warmup'), { warmUp: true });
  const plain = await bundleFunction(root, 'todos', join(dir, 'todos-plain'), { earlyFetch: false });
  // The floors: the functions' bundle settings around another entry.
  const floor = (name: string, file: string): Promise<BundleResult> => bundleFunction(root, 'todos', join(dir, name), { entry: join(root, 'bench', 'floor', file) });
  const [floorRaw, floorSdk, floorSequelize] = await Promise.all([floor('floor', 'rawPgHandler.ts'), floor('floor-sdk', 'rawPgSdkHandler.ts'), floor('floor-sequelize', 'sequelizeHandler.ts')]);
  const [cold, warm, invoke] = await Promise.all([buildWorker(root, dir, 'cold'), buildWorker(root, dir, 'warm'), buildWorker(root, dir, 'invoke')]);
  return {
    dir,
    todos: outfileOf('todos'),
    todosWarmUp: warmUp.outfile,
    todosPlain: plain.outfile,
    floor: floorRaw.outfile,
    floorSdk: floorSdk.outfile,
    floorSequelize: floorSequelize.outfile,
    migrate: outfileOf('migrate'),
    workers: { cold, warm, invoke },
    sizes: [...functions.map((f) => size(f.fn, f.outfile)), size('raw-pg floor', floorRaw.outfile), size('raw-pg + SDK floor', floorSdk.outfile), size('Sequelize floor', floorSequelize.outfile)],
  };
}

/** Runs the bundled `migrate` once against the database `env` names, as a deploy's trigger does. */
export async function runMigrations(artifacts: Artifacts, env: NodeJS.ProcessEnv): Promise<void> {
  await runWorker({ file: artifacts.workers.invoke, task: { kind: 'invoke', bundle: artifacts.migrate, functionName: 'migrate', invocations: 1, concurrent: false, events: [{}] }, env, cwd: artifacts.dir });
}
