/**
 * The current invocation's deadline, for code that must decide whether another attempt still fits
 * (`retryRead`). Set by `createHttpHandler` from Lambda's `context.getRemainingTimeInMillis()`; kept
 * per invocation (AsyncLocalStorage), so concurrent invocations of a multi-concurrency runtime (and
 * of `pnpm dev`) each see their own. Outside an invocation (a script, a test) there is none.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const deadlines = new AsyncLocalStorage<number>();

/** Runs `work` with the invocation's deadline known. A context without the method (a hand-made one) sets none. */
export function withInvocationDeadline<T>(context: { getRemainingTimeInMillis?: () => number } | undefined, work: () => Promise<T>): Promise<T> {
  const remaining = typeof context?.getRemainingTimeInMillis === 'function' ? context.getRemainingTimeInMillis() : undefined;
  return remaining === undefined ? work() : deadlines.run(Date.now() + remaining, work);
}

/** Milliseconds left in the current invocation, or `undefined` outside one. */
export function remainingInvocationMs(): number | undefined {
  const deadline = deadlines.getStore();
  return deadline === undefined ? undefined : deadline - Date.now();
}
