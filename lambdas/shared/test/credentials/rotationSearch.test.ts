/**
 * The credential search as a pure function, with fakes for the secret and the database: stage
 * order, the recheck of AWSCURRENT, passes while the secret moves, and the backoff. The same search
 * against a real password-checking PostgreSQL and the real SDK: test/db/connection.test.ts.
 */
import { MAX_SEARCH_PASSES, NoWorkingCredentialsError, SEARCH_ORDER, SearchBackoff, searchCredentials, type SearchPorts } from '../../src/credentials';
import type { DbCredentials, SecretStage } from '../../src/credentials';

const creds = (password: string): DbCredentials => ({ host: 'db', port: 5432, database: 'app', user: 'app', password, source: 'secrets-manager' });
const authError = (): Error => Object.assign(new Error('password authentication failed'), { code: '28P01' });

interface Fake {
  ports: SearchPorts<string>;
  reads: SecretStage[];
  attempts: string[];
  logs: string[];
}

/**
 * `secret(stage, readIndex)` says what a read returns; `accepts(password, attemptIndex)` whether the
 * database takes it. Each successful connection is named after its password.
 */
function fake(secret: (stage: SecretStage, read: number) => string | undefined | Error, accepts: (password: string, attempt: number) => boolean | Error): Fake {
  const reads: SecretStage[] = [];
  const attempts: string[] = [];
  const logs: string[] = [];
  return {
    reads,
    attempts,
    logs,
    ports: {
      read: async (stage) => {
        const value = secret(stage, reads.push(stage) - 1);
        if (value instanceof Error) throw value;
        return value === undefined ? undefined : creds(value);
      },
      connect: async (credentials) => {
        const verdict = accepts(credentials.password, attempts.push(credentials.password) - 1);
        if (verdict instanceof Error) throw verdict;
        if (!verdict) throw authError();
        return `connection:${credentials.password}`;
      },
      isAuthFailure: (error) => (error as { code?: string }).code === '28P01',
      log: { info: (message) => void logs.push(message), warn: (message) => void logs.push(message) },
      describeError: (error) => String(error),
    },
  };
}

test('the order: AWSCURRENT past the cache, AWSPENDING, AWSPREVIOUS, then AWSCURRENT again', () => {
  expect(SEARCH_ORDER.map((c) => c.stage)).toEqual(['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS', 'AWSCURRENT']);
  expect(SEARCH_ORDER.map((c) => c.recheck === true)).toEqual([false, false, false, true]);
});

test('the usual rotation: one read of AWSCURRENT finds the new password', async () => {
  const f = fake((stage) => (stage === 'AWSCURRENT' ? 'new' : undefined), (password) => password === 'new');
  const found = await searchCredentials(creds('old'), authError(), f.ports);
  expect(found).toMatchObject({ connection: 'connection:new', stagesTried: ['AWSCURRENT'], passes: 1 });
  expect(found.credentials.password).toBe('new');
  expect(f.reads).toEqual(['AWSCURRENT']);
});

test('only AWSPENDING holds the database password (mid-rotation): found by the second read, no password tried twice', async () => {
  const f = fake((stage) => ({ AWSCURRENT: 'old', AWSPENDING: 'pending', AWSPREVIOUS: 'older' })[stage], (password) => password === 'pending');
  const found = await searchCredentials(creds('old'), authError(), f.ports);
  expect(f.reads).toEqual(['AWSCURRENT', 'AWSPENDING']);
  expect(f.attempts).toEqual(['pending']); // AWSCURRENT still held the rejected password: not tried again
  expect(found.stagesTried).toEqual(['AWSPENDING']);
});

test('the database moved to a password rejected earlier in the search: the final AWSCURRENT read retries it', async () => {
  // AWSCURRENT says "new" from the start, but the database only switches after the first attempt.
  const f = fake((stage) => ({ AWSCURRENT: 'new', AWSPENDING: undefined, AWSPREVIOUS: 'old' })[stage], (password, attempt) => password === 'new' && attempt > 0);
  const found = await searchCredentials(creds('old'), authError(), f.ports);
  expect(f.reads).toEqual(['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS', 'AWSCURRENT']);
  expect(f.attempts).toEqual(['new', 'new']);
  expect(found.stagesTried).toEqual(['AWSCURRENT', 'AWSCURRENT']);
});

test('a secret that keeps moving sends the search round again, at most MAX_SEARCH_PASSES times', async () => {
  let version = 0;
  const f = fake((stage) => (stage === 'AWSCURRENT' ? `v${version++}` : undefined), () => false);
  const error = await searchCredentials(creds('old'), authError(), f.ports).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(NoWorkingCredentialsError);
  expect(f.reads.filter((stage) => stage === 'AWSCURRENT')).toHaveLength(2 * MAX_SEARCH_PASSES);
  expect(f.logs.filter((line) => line.includes('searching again'))).toHaveLength(MAX_SEARCH_PASSES - 1);
  expect((error as NoWorkingCredentialsError).lastError).toMatchObject({ code: '28P01' });
});

test('a secret that stands still and holds no working password: one pass, then NoWorkingCredentialsError', async () => {
  const f = fake((stage) => ({ AWSCURRENT: 'a', AWSPENDING: 'b', AWSPREVIOUS: 'c' })[stage], () => false);
  const error = (await searchCredentials(creds('old'), authError(), f.ports).catch((e: unknown) => e)) as NoWorkingCredentialsError;
  expect(error.stagesTried).toEqual(['AWSCURRENT', 'AWSPENDING', 'AWSPREVIOUS', 'AWSCURRENT']);
  expect(f.reads).toHaveLength(4);
});

test('anything but an authentication failure (the database is down) ends the search at once, unchanged', async () => {
  const down = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
  const f = fake(() => 'new', () => down);
  await expect(searchCredentials(creds('old'), authError(), f.ports)).rejects.toBe(down);
  expect(f.attempts).toHaveLength(1);
});

test('Secrets Manager failing for one stage does not end the search', async () => {
  const f = fake((stage) => (stage === 'AWSCURRENT' ? new Error('ThrottlingException') : stage === 'AWSPENDING' ? 'pending' : undefined), (password) => password === 'pending');
  await expect(searchCredentials(creds('old'), authError(), f.ports)).resolves.toMatchObject({ stagesTried: ['AWSPENDING'] });
  expect(f.logs).toContain('Could not read a version of the secret during the credential search');
});

test('backoff after failed searches: 1 s, doubling, at most 60 s; a success resets it', () => {
  let now = 0;
  const backoff = new SearchBackoff(() => now);
  expect(backoff.blocked).toBe(false);
  const waits = Array.from({ length: 8 }, () => backoff.failed());
  expect(waits).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 60_000, 60_000]);
  expect(backoff.blocked).toBe(true);
  now += 60_000;
  expect(backoff.blocked).toBe(false);
  backoff.succeeded();
  expect(backoff.failed()).toBe(1_000);
});
