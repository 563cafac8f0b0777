/**
 * Cold starts: fresh processes, each importing one bundle and serving one `GET /todos/{id}`. The
 * variants run in turns (A B C D, A B C D…) so that machine noise spreads over all of them.
 */
import type { FakeSecretsManager } from '../tools/fakeSecretsManager';
import { getTodoEvent } from './events';
import { runWorker } from './spawnWorker';
import { median } from './stats';
import type { ColdResult } from './workers/protocol';

/** One way of starting cold: a bundle, the environment it runs in, the todo it reads. */
export interface ColdSpec {
  name: string;
  bundle: string;
  env: NodeJS.ProcessEnv;
  todoId: string;
  /** The Secrets Manager this variant talks to, to count its calls. */
  fake?: FakeSecretsManager;
  /** The name of the variant this one is compared with. */
  floor?: string;
}

export interface ColdVariant {
  name: string;
  floor?: string;
  importMs: number;
  firstResponseMs: number;
  /** Medians of the worker's user + system CPU time over the same spans. */
  importCpuMs: number;
  firstResponseCpuMs: number;
  /** GetSecretValue calls per cold start (production variants). */
  secretCalls: number;
  runs: number;
  /** Every round's first response, in round order: for ratios paired round by round (`pairedRatio`). */
  firstResponseSamples: number[];
}

/**
 * The median over rounds of `a`'s first response divided by `b`'s in the same round. The variants
 * of a round run back to back, so a change of load between rounds cancels out of each ratio:
 * steadier than the ratio of the two medians when other jobs come and go.
 */
export function pairedRatio(a: ColdVariant, b: ColdVariant): number {
  const ratios = a.firstResponseSamples.flatMap((value, round) => {
    const other = b.firstResponseSamples[round];
    return other === undefined || other <= 0 ? [] : [value / other];
  });
  return median(ratios);
}

export async function measureColdStarts(worker: string, cwd: string, specs: ColdSpec[], runs: number): Promise<ColdVariant[]> {
  const samples = specs.map(() => ({ importMs: [] as number[], firstResponseMs: [] as number[], importCpuMs: [] as number[], firstResponseCpuMs: [] as number[], secretCalls: [] as number[] }));
  for (let round = 0; round < runs; round += 1) {
    for (const [i, spec] of specs.entries()) {
      const before = spec.fake?.callCount('GetSecretValue') ?? 0;
      const result = await runWorker<ColdResult>({ file: worker, task: { kind: 'cold', bundle: spec.bundle, functionName: 'todos', event: getTodoEvent(spec.todoId) }, env: spec.env, cwd });
      if (result.statusCode !== 200) throw new Error(`${spec.name}: first response was ${result.statusCode}`);
      const s = samples[i];
      s?.importMs.push(result.importMs);
      s?.firstResponseMs.push(result.firstResponseMs);
      s?.importCpuMs.push(result.importCpuMs);
      s?.firstResponseCpuMs.push(result.firstResponseCpuMs);
      s?.secretCalls.push((spec.fake?.callCount('GetSecretValue') ?? 0) - before);
    }
  }
  return specs.map((spec, i) => {
    const s = samples[i] ?? { importMs: [], firstResponseMs: [], importCpuMs: [], firstResponseCpuMs: [], secretCalls: [] };
    return {
      name: spec.name,
      ...(spec.floor ? { floor: spec.floor } : {}),
      importMs: median(s.importMs),
      firstResponseMs: median(s.firstResponseMs),
      importCpuMs: median(s.importCpuMs),
      firstResponseCpuMs: median(s.firstResponseCpuMs),
      secretCalls: median(s.secretCalls),
      runs,
      firstResponseSamples: s.firstResponseMs,
    };
  });
}
