/**
 * The credential fetch, started before the heavy modules are evaluated. A function's bundle entry
 * (`scripts/bundle.ts`, `earlyFetchEntry`) imports this small module first — it pulls in the
 * credentials code and the Secrets Manager client, not Sequelize — calls `prefetchCredentials()`,
 * and only then evaluates the handler (Sequelize, the models, the schemas). The Secrets Manager round
 * trip then runs while those modules evaluate, instead of after.
 *
 * The fetch fills the container's secret cache (`getDbCredentials` shares one in-flight load), so
 * the first `connectToDatabase()` finds the password there: one GetSecretValue per cold start, as
 * before. A prefetch never fails anything: without a secret (development, tests, no AWS) it does
 * nothing; when Secrets Manager or the environment fails, the error is dropped here, unlogged, and
 * the normal path fetches again and reports it as it always has.
 */
import { channel } from 'node:diagnostics_channel';
import type { ClientRequest } from 'node:http';
import { credentialsSecretName, getDbCredentials } from './credentials/getDbCredentials';

/**
 * How long `prefetchCredentials()` waits at most for the request to leave. It resolves as soon as the
 * SDK has written the request (`finish`), which takes the SDK's first-call work (resolving its
 * configuration, credentials, endpoint and signature: tens of ms of CPU, more on a small or busy
 * machine) and a few event-loop turns; the answer then waits in the socket while the caller
 * evaluates the rest. It also resolves when the fetch settles, whichever way.
 *
 * The cap only bounds the wait when neither happens: an endpoint that never accepts. It is generous
 * (it was 200 ms) because waiting costs nothing otherwise: the SDK's first-call work must be done
 * anyway, and while it runs slower than the cap — a Lambda with a fraction of a vCPU, or a busy
 * machine (the bundle test missed the overlap at 200 ms under the full suite on Node 24) — a short
 * cap lets the module evaluation start first, and the request then leaves only after it, the
 * Secrets Manager round trip no longer overlapped. Against a dead endpoint a longer cap costs at
 * most the module evaluation's time: the first request waits for the same failing fetch either way.
 */
export const MAX_WAIT_MS = 1_000;

/** Published by Node's HTTP client for every request it starts (the SDK's Node handler included). */
const requestStart = channel('http.client.request.start');

/** Resolves when a request started from now on has been written, when `settled` settles, or after `maxMs`. */
function requestSent(settled: Promise<void>, maxMs: number): Promise<void> {
  return new Promise((resolve) => {
    const onStart = (message: unknown): void => {
      (message as { request?: ClientRequest }).request?.once('finish', done);
    };
    const timer = setTimeout(done, maxMs);
    function done(): void {
      clearTimeout(timer);
      requestStart.unsubscribe(onStart);
      resolve();
    }
    requestStart.subscribe(onStart);
    void settled.then(done);
  });
}

let prefetch: Promise<void> | undefined;

/** True when credentials come from Secrets Manager here (production with DB_SECRET_NAME). */
function fromSecretsManager(): boolean {
  try {
    return credentialsSecretName() !== undefined;
  } catch {
    // A malformed NODE_ENV or DB_SECRET_NAME: the normal path names it.
    return false;
  }
}

/**
 * Starts the container's first credential fetch and resolves once its request is on the wire (or
 * after MAX_WAIT_MS), never with an error. The fetch itself settles later, into the cache.
 */
export function prefetchCredentials(): Promise<void> {
  if (prefetch !== undefined || !fromSecretsManager()) return Promise.resolve();
  const settled = getDbCredentials().then(
    () => undefined,
    () => undefined,
  );
  prefetch = settled;
  return requestSent(settled, MAX_WAIT_MS);
}

/** Test hook: the fetch started by `prefetchCredentials`, settled (never rejects). */
export function prefetchSettled(): Promise<void> {
  return prefetch ?? Promise.resolve();
}

/** Test hook: forget the prefetch. */
export function resetPrefetchForTests(): void {
  prefetch = undefined;
}
