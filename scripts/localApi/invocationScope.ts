/**
 * The local server runs many invocations of one handler module at once, where Lambda (on-demand)
 * runs one at a time per container. The shared Powertools logger keeps the request's keys (request
 * id, route, path) on the logger, so concurrent local requests would overwrite each other's keys.
 * Lambda's multi-concurrency runtime solves the same problem with `@aws/lambda-invoke-store`: each
 * invocation runs in its own AsyncLocalStorage context and Powertools scopes its per-invocation
 * state to it whenever `AWS_LAMBDA_MAX_CONCURRENCY` is set. The local server does the same.
 */
import { InvokeStore, InvokeStoreBase } from '@aws/lambda-invoke-store';

/** Lambda sets this variable to the environment's concurrency; Powertools only checks it is set. */
const CONCURRENCY_VARIABLE = 'AWS_LAMBDA_MAX_CONCURRENCY';

let store: Promise<InvokeStoreBase> | undefined;

async function asyncLocalStore(): Promise<InvokeStoreBase> {
  const instance = await InvokeStore.getInstanceAsync(true);
  // The variable must not be set before the store exists: Powertools then fails every log call.
  process.env[CONCURRENCY_VARIABLE] ??= '64';
  return instance;
}

/** Runs one invocation in its own context, so its log keys are its own. */
export async function inInvocationScope<T>(requestId: string, invoke: () => Promise<T>): Promise<T> {
  store ??= asyncLocalStore();
  return (await store).run({ [InvokeStoreBase.PROTECTED_KEYS.REQUEST_ID]: requestId }, invoke);
}
