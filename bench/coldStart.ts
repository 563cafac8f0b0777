/**
 * Cold starts: fresh processes, each importing one bundle and serving one `GET /todos/{id}`. The
 * variants run in turns (A B C D, A B C D…) so that machine noise spreads over all of them.
 */
import type { Artifacts } from './artifacts';
import type { Environments } from './environment';
import { getTodoEvent } from './events';
import { runWorker } from './spawnWorker';
import { median } from './stats';
import type { ColdResult } from './workers/protocol';

export interface ColdVariant {
  name: string;
  importMs: number;
  firstResponseMs: number;
  /** Medians of the worker's user + system CPU time over the same spans. */
  importCpuMs: number;
  firstResponseCpuMs: number;
  /** GetSecretValue calls per cold start (production variants). */
  secretCalls: number;
  runs: number;
}

export async function measureColdStarts(artifacts: Artifacts, envs: Environments, todoId: string, runs: number): Promise<ColdVariant[]> {
  const variants = [
    { name: 'todos (dev creds)', bundle: artifacts.todos, env: envs.development },
    { name: 'raw-pg floor', bundle: artifacts.floor, env: envs.development },
    { name: 'todos (Secrets Manager)', bundle: artifacts.todos, env: envs.production },
    { name: 'todos + init warm-up (SM)', bundle: artifacts.todosWarmUp, env: envs.production },
  ];
  const samples = variants.map(() => ({ importMs: [] as number[], firstResponseMs: [] as number[], importCpuMs: [] as number[], firstResponseCpuMs: [] as number[], secretCalls: [] as number[] }));
  const event = getTodoEvent(todoId);
  for (let round = 0; round < runs; round += 1) {
    for (const [i, variant] of variants.entries()) {
      const before = envs.fake.callCount('GetSecretValue');
      const result = await runWorker<ColdResult>({ file: artifacts.workers.cold, task: { kind: 'cold', bundle: variant.bundle, functionName: 'todos', event }, env: variant.env, cwd: artifacts.dir });
      if (result.statusCode !== 200) throw new Error(`${variant.name}: first response was ${result.statusCode}`);
      samples[i]?.importMs.push(result.importMs);
      samples[i]?.firstResponseMs.push(result.firstResponseMs);
      samples[i]?.importCpuMs.push(result.importCpuMs);
      samples[i]?.firstResponseCpuMs.push(result.firstResponseCpuMs);
      samples[i]?.secretCalls.push(envs.fake.callCount('GetSecretValue') - before);
    }
  }
  return variants.map((variant, i) => {
    const s = samples[i] ?? { importMs: [], firstResponseMs: [], importCpuMs: [], firstResponseCpuMs: [], secretCalls: [] };
    return {
      name: variant.name,
      importMs: median(s.importMs),
      firstResponseMs: median(s.firstResponseMs),
      importCpuMs: median(s.importCpuMs),
      firstResponseCpuMs: median(s.firstResponseCpuMs),
      secretCalls: median(s.secretCalls),
      runs,
    };
  });
}
