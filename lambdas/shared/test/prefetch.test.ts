/**
 * The early credential fetch of the bundle entry (`src/prefetch.ts`, `scripts/bundle.ts`
 * `earlyFetchEntry`): one GetSecretValue per cold start with the first connection, nothing at all
 * without a secret, and a failure that is dropped, never logged, and met again by the normal path.
 * (The log capture fails the file if a password appears in any output or a rejection goes unhandled.)
 */
import { coldStart, restoreEnvironment } from '../../../testing/container';
import { createTestDatabase, type TestDatabase } from '../../../testing/db';
import { capturedLogs, logMark, registerSecret } from '../../../testing/logCapture';
import { FakeSecretsManager } from '../../../tools/fakeSecretsManager';
import { connectToDatabase, CredentialsUnavailableError } from '../src';
import { MAX_WAIT_MS, prefetchCredentials, prefetchSettled, resetPrefetchForTests } from '../src/prefetch';
import { openUnacceptingEndpoint } from '../../../testing/unacceptingEndpoint';

const fake = new FakeSecretsManager();
const SECRET = 'prod/prefetch-db';
let db: TestDatabase;

beforeAll(async () => {
  await fake.start();
  db = await createTestDatabase('AUTH');
  registerSecret(db.password);
  fake.putSecret(SECRET, { engine: 'postgres', host: db.host, port: db.port, dbname: db.database, username: db.user, password: db.password });
});

afterAll(async () => {
  await restoreEnvironment();
  await db.drop();
  await fake.stop();
});

async function freshContainer(env: Record<string, string>): Promise<void> {
  await coldStart(env);
  resetPrefetchForTests();
  fake.configureEnvironment();
  fake.calls.length = 0;
}

const production = { NODE_ENV: 'production', DB_SECRET_NAME: SECRET, DB_NAME: 'unused', DB_USER: 'unused' };

test('without a secret (development, tests, no AWS) it does nothing and fails nothing', async () => {
  await freshContainer({ NODE_ENV: 'development' });
  await expect(prefetchCredentials()).resolves.toBeUndefined();
  await prefetchSettled();
  expect(fake.callCount()).toBe(0);
});

test('a malformed environment is left for the normal path to name', async () => {
  await freshContainer({ NODE_ENV: 'staging-ish', DB_SECRET_NAME: SECRET });
  await expect(prefetchCredentials()).resolves.toBeUndefined();
  expect(fake.callCount()).toBe(0);
});

test('production: the fetch starts at once, and the first connection uses its result (one GetSecretValue)', async () => {
  await freshContainer(production);
  fake.inject({ kind: 'delay', ms: 300, operation: 'GetSecretValue' });
  const sent = prefetchCredentials();
  let answered = false;
  void prefetchSettled().then(() => (answered = true));
  await sent;
  // It returns once the request is sent, before the answer: the caller evaluates meanwhile.
  expect(answered).toBe(false);
  await connectToDatabase();
  expect(answered).toBe(true);
  await prefetchCredentials(); // a second call starts nothing
  expect(fake.callCount('GetSecretValue')).toBe(1);
});

test('a failed prefetch is swallowed without a log line or an unhandled rejection; the normal path fetches again', async () => {
  await freshContainer(production);
  const mark = logMark();
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  try {
    fake.inject({ kind: 'access-denied', operation: 'GetSecretValue' });
    await prefetchCredentials();
    await prefetchSettled();
    await new Promise((resolve) => setImmediate(resolve));
    expect(unhandled).toEqual([]);
    expect(capturedLogs(mark).filter((line) => /denied|error|warn/i.test(JSON.stringify(line)))).toEqual([]);
    // The normal path: the fault was one call; this one succeeds.
    await expect(connectToDatabase()).resolves.toBeDefined();
    expect(fake.callCount('GetSecretValue')).toBe(2);
  } finally {
    process.off('unhandledRejection', onUnhandled);
  }
});

test('when Secrets Manager keeps failing, the normal path reports it as before', async () => {
  await freshContainer(production);
  fake.inject({ kind: 'access-denied', operation: 'GetSecretValue', times: 2 });
  await prefetchCredentials();
  await expect(connectToDatabase()).rejects.toBeInstanceOf(CredentialsUnavailableError);
});

test('against an endpoint that never accepts, the wait ends at MAX_WAIT_MS while the fetch goes on', async () => {
  const endpoint = await openUnacceptingEndpoint();
  try {
    await freshContainer(production);
    process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER = endpoint.url;
    let settled = false;
    const started = performance.now();
    const sent = prefetchCredentials();
    void prefetchSettled().then(() => (settled = true));
    await sent;
    const waited = performance.now() - started;
    // Ended by the cap: no request was written and the fetch (the SDK's attempts, each given up
    // after its 1 s connect timeout) has not settled. (Node's timers may fire a millisecond early.)
    expect(settled).toBe(false);
    expect(waited).toBeGreaterThanOrEqual(MAX_WAIT_MS - 5);
  } finally {
    endpoint.close();
    await prefetchSettled();
  }
}, 20_000);
