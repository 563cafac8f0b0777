/**
 * What the parent sends to a worker (a JSON file named by `BENCH_TASK_FILE`: events are too large for the environment) and what a worker answers (one line
 * `BENCH_RESULT <json>` on fd 3). Workers are bundled by esbuild and run by plain `node`, in a
 * directory without node_modules, exactly as Lambda runs a function bundle.
 */
export interface ColdTask {
  kind: 'cold';
  bundle: string;
  functionName: string;
  event: unknown;
}

export interface ColdResult {
  /** From just before `import()` of the bundle to its module graph being evaluated. */
  importMs: number;
  /** From just before `import()` to the first handler response (import + first invocation). */
  firstResponseMs: number;
  /** The process's user + system CPU time over the same spans: what load on the machine does not move. */
  importCpuMs: number;
  firstResponseCpuMs: number;
  statusCode: number;
}

export interface WarmTask {
  kind: 'warm';
  bundle: string;
  /** Events for `GET /todos/{id}` (one per id) and `GET /todos?limit=20`. */
  getEvents: unknown[];
  listEvent: unknown;
  iterations: number;
  memoryInvocations: number;
  todoIds: string[];
  database: { host: string; port: number; user: string; password: string; database: string };
}

export interface LatencySummary {
  p50: number;
  p99: number;
  samples: number;
  /** Mean user + system CPU time of this process per call (the database's own CPU is not in it). */
  cpuMs: number;
}

export interface WarmResult {
  getHandler: LatencySummary;
  getRaw: LatencySummary;
  listHandler: LatencySummary;
  listRaw: LatencySummary;
  memory: { rssAfterInitMb: number; rssAfterHalfMb: number; rssAfterAllMb: number; heapAfterInitMb: number; heapAfterHalfMb: number; heapAfterAllMb: number; invocations: number };
}

export interface InvokeTask {
  kind: 'invoke';
  bundle: string;
  /** Sequential invocations of `events[i % events.length]`, or all at once when `concurrent`. */
  invocations: number;
  concurrent: boolean;
  functionName: string;
  events: unknown[];
}

export interface InvokeResult {
  statusCodes: Record<string, number>;
  durationMs: number;
  /** The first result, for workers whose caller wants the payload (the migrate function). */
  first: unknown;
}

export type Task = ColdTask | WarmTask | InvokeTask;
