/**
 * The one backoff of the package: exponential from `baseMs`, capped at `maxMs`. With `random`, the
 * upper half is jittered ("equal jitter"), which keeps retries from many containers apart; without
 * it the delay is exact (used where a test or a log line must state it).
 */
export function backoffDelay(attempt: number, options: { baseMs: number; maxMs: number; random?: () => number }): number {
  const exp = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  return options.random === undefined ? exp : Math.round(exp / 2 + (exp / 2) * options.random());
}
