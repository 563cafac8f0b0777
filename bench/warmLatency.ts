/** Warm latency and memory: the `warm` worker, repeated; each figure is the median over the runs. */
import type { Artifacts } from './artifacts';
import type { BenchDatabase } from './database';
import type { Environments } from './environment';
import { getTodoEvent, listTodosEvent } from './events';
import { runWorker } from './spawnWorker';
import { median } from './stats';
import type { LatencySummary, WarmResult } from './workers/protocol';

export interface WarmOptions {
  iterations: number;
  memoryInvocations: number;
  runs: number;
}

const medianSummary = (all: LatencySummary[]): LatencySummary => ({
  p50: median(all.map((s) => s.p50)),
  p99: median(all.map((s) => s.p99)),
  samples: all.reduce((sum, s) => sum + s.samples, 0),
  cpuMs: median(all.map((s) => s.cpuMs)),
});

export async function measureWarm(artifacts: Artifacts, envs: Environments, db: BenchDatabase, options: WarmOptions): Promise<WarmResult & { runs: number }> {
  const results: WarmResult[] = [];
  for (let run = 0; run < options.runs; run += 1) {
    results.push(
      await runWorker<WarmResult>({
        file: artifacts.workers.warm,
        nodeArgs: ['--expose-gc'],
        task: {
          kind: 'warm',
          bundle: artifacts.todos,
          getEvents: db.todoIds.map(getTodoEvent),
          listEvent: listTodosEvent(),
          iterations: options.iterations,
          memoryInvocations: options.memoryInvocations,
          todoIds: db.todoIds,
          database: db.target,
        },
        env: envs.development,
        cwd: artifacts.dir,
        timeoutMs: 300_000,
      }),
    );
  }
  const pick = (key: 'getHandler' | 'getRaw' | 'listHandler' | 'listRaw'): LatencySummary => medianSummary(results.map((r) => r[key]));
  const memory = (key: keyof WarmResult['memory']): number => median(results.map((r) => r.memory[key]));
  return {
    getHandler: pick('getHandler'),
    getRaw: pick('getRaw'),
    listHandler: pick('listHandler'),
    listRaw: pick('listRaw'),
    memory: {
      rssAfterInitMb: memory('rssAfterInitMb'),
      rssAfterHalfMb: memory('rssAfterHalfMb'),
      rssAfterAllMb: memory('rssAfterAllMb'),
      heapAfterInitMb: memory('heapAfterInitMb'),
      heapAfterHalfMb: memory('heapAfterHalfMb'),
      heapAfterAllMb: memory('heapAfterAllMb'),
      invocations: memory('invocations'),
    },
    runs: options.runs,
  };
}
