/** What `tools/containerFleet.ts` and a container process (`tools/lambdaContainer.ts`) say to each other over Node's IPC channel. */

export type ContainerRequest =
  | {
      type: 'run';
      id: number;
      /** API Gateway events, invoked in turn (`events[i % length]`), one at a time. */
      events: unknown[];
      /** Stop after this many invocations and/or this long (at least one must be set). */
      count?: number;
      durationMs?: number;
      /** Close the pool after every invocation (Sequelize's Lambda guide: `idle: 0` + `close()`). */
      closeAfterEach?: boolean;
      /** After a 503, wait what its `Retry-After` says before the next invocation, as a polite client does. */
      honorRetryAfter?: boolean;
      /** Pause between invocations otherwise. */
      pauseMs?: number;
      /** Stop at the first response with one of these statuses. */
      stopOn?: number[];
    }
  | { type: 'close'; id: number }
  | { type: 'exit' };

export interface RunReport {
  type: 'ran';
  id: number;
  /** Per invocation: the status (0 = the handler threw), its duration, and the physical connection attempts it made. */
  status: number[];
  ms: number[];
  attempts: number[];
  /** Every response that was neither < 500 nor a 503 with `Retry-After` and a JSON error body. */
  defects: string[];
  /** When the first 2xx came, in ms from the start of the run (`null`: none). */
  firstOkAtMs: number | null;
  /** The process's user + system CPU over the run (load-independent, unlike `ms`). */
  cpuMs: number;
  connects: number;
  connectFailures: number;
}

export type ContainerMessage = { type: 'ready'; pid: number } | RunReport | { type: 'failed'; id: number; error: string } | { type: 'closed'; id: number };
