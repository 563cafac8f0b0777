import pg from 'pg';
import { coldStart, restoreEnvironment } from '../../../../testing/container';
import { createTestDatabase, type TestDatabase } from '../../../../testing/db';
import { assertNoSecretIn, capturedLogs, logMark, registerSecret } from '../../../../testing/logCapture';
import { FakeSecretsManager } from '../../../../tools/fakeSecretsManager';
import { closeDatabase, connectToDatabase, CredentialsUnavailableError, databaseStatus, getSequelize } from '../../src';
import { discardIdleConnections, isAuthFailure } from '../../src/db';

/**
 * These tests run on the password-checking (scram-sha-256) server: a rotated or wrong password
 * really is rejected there, so a passing rotation test means the refresh really happened.
 */
const fake = new FakeSecretsManager();
const sequelize = getSequelize();
const ROLE = 'app_rotating';
const PASSWORDS = ['first-Pw-1a2b3c', 'second-Pw-4d5e6f', 'third-Pw-7g8h9i'] as const;
let db: TestDatabase;
let admin: pg.Client;
let handshakes = 0;

async function setRolePassword(password: string): Promise<void> {
  await admin.query(`ALTER ROLE ${ROLE} PASSWORD ${pg.escapeLiteral(password)}`);
}

/**
 * Kill the role's server connections, as an idle timeout or a restart would, and make sure the next
 * query opens a new one: the sessions are gone on the server (termination is asynchronous, and slow
 * on a loaded machine) and the pool holds none of them.
 */
async function killConnections(): Promise<void> {
  for (let i = 0; i < 250; i += 1) {
    const { rows } = await admin.query<{ n: number }>('SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE usename = $1', [ROLE]);
    if (rows[0]?.n === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await discardIdleConnections();
}

function putSecret(password: string): void {
  fake.putSecret('prod/app-db', { engine: 'postgres', host: db.host, port: db.port, dbname: db.database, username: ROLE, password });
}

async function freshContainer(env: Record<string, string>): Promise<void> {
  await coldStart(env);
  fake.configureEnvironment();
  fake.calls.length = 0;
}

beforeAll(async () => {
  await fake.start();
  db = await createTestDatabase('AUTH');
  admin = await db.admin();
  PASSWORDS.forEach(registerSecret);
  await db.createLoginRole(ROLE, PASSWORDS[0]);
  sequelize.addHook('afterConnect', () => {
    handshakes += 1;
  });
});

afterAll(async () => {
  await restoreEnvironment();
  await db.drop();
  await fake.stop();
});

const productionEnv = (): Record<string, string> => ({ NODE_ENV: 'production', DB_SECRET_NAME: 'prod/app-db', DB_NAME: 'unused', DB_USER: 'unused' });

describe('development', () => {
  test('credentials from DB_*, one handshake however often it is called, no AWS call', async () => {
    await freshContainer({ NODE_ENV: 'development', DB_HOST: db.host, DB_PORT: String(db.port), DB_NAME: db.database, DB_USER: ROLE, DB_PASSWORD: PASSWORDS[0], DB_SECRET_NAME: 'prod/app-db' });
    await setRolePassword(PASSWORDS[0]);
    handshakes = 0;
    const instance = await connectToDatabase();
    for (let i = 0; i < 5; i += 1) {
      await connectToDatabase();
      await instance.query('SELECT 1');
    }
    expect(handshakes).toBe(1);
    expect(databaseStatus()).toMatchObject({ credentialsFetched: true, credentialsSource: 'env' });
    expect(fake.callCount()).toBe(0);
  });

  test('closeDatabase closes the pool; the next connectToDatabase reopens it', async () => {
    await closeDatabase();
    const instance = await connectToDatabase();
    const [rows] = await instance.query('SELECT current_user AS who');
    expect(rows).toEqual([{ who: ROLE }]);
  });

  test('a wrong .env password fails with the auth error and is not retried', async () => {
    await freshContainer({ NODE_ENV: 'development', DB_HOST: db.host, DB_PORT: String(db.port), DB_NAME: db.database, DB_USER: ROLE, DB_PASSWORD: PASSWORDS[2] });
    const error = await connectToDatabase().catch((e: unknown) => e);
    expect(isAuthFailure(error)).toBe(true);
    expect(databaseStatus().refreshes).toBe(0);
    assertNoSecretIn(String((error as Error).message), 'the error message');
  });
});

describe('production with Secrets Manager', () => {
  test('concurrent first calls share one secret fetch and one handshake; later calls reuse both', async () => {
    await freshContainer(productionEnv());
    await setRolePassword(PASSWORDS[0]);
    putSecret(PASSWORDS[0]);
    handshakes = 0;
    const instances = await Promise.all(Array.from({ length: 20 }, () => connectToDatabase()));
    expect(new Set(instances).size).toBe(1);
    for (let i = 0; i < 10; i += 1) await (await connectToDatabase()).query('SELECT 1');
    expect(fake.callCount('GetSecretValue')).toBe(1);
    expect(handshakes).toBe(1);
    expect(databaseStatus()).toEqual({ credentialsFetched: true, credentialsSource: 'secrets-manager', refreshes: 0 });
  });

  test('a rotated password: the next connection is rejected, the secret re-read once, and the query succeeds', async () => {
    await setRolePassword(PASSWORDS[1]);
    putSecret(PASSWORDS[1]);
    await killConnections();
    const before = fake.callCount('GetSecretValue');
    const instance = await connectToDatabase();
    const [rows] = await instance.query('SELECT current_user AS who');
    expect(rows).toEqual([{ who: ROLE }]);
    expect(fake.callCount('GetSecretValue') - before).toBe(1);
    expect(databaseStatus().refreshes).toBe(1);
    // Both pool connections failing at once still cost one refresh.
    await setRolePassword(PASSWORDS[2]);
    putSecret(PASSWORDS[2]);
    await killConnections();
    await Promise.all([instance.query('SELECT pg_sleep(0.05)'), instance.query('SELECT pg_sleep(0.05)')]);
    expect(fake.callCount('GetSecretValue') - before).toBe(2);
  });

  test('a password no version of the secret holds fails after a bounded number of reads, with no sleep', async () => {
    await setRolePassword('not-in-any-version-0'); // the secret says PASSWORDS[2], previously PASSWORDS[1]
    await killConnections();
    const before = fake.callCount('GetSecretValue');
    const started = Date.now();
    const error = await sequelize.query('SELECT 1').catch((e: unknown) => e);
    expect(isAuthFailure(error)).toBe(true);
    // AWSCURRENT past the cache, AWSPENDING (absent), AWSPREVIOUS, AWSCURRENT again (in case the
    // rotation finished meanwhile): four reads, then the error.
    expect(fake.callCount('GetSecretValue') - before).toBe(4);
    expect(Date.now() - started).toBeLessThan(1_500);
    assertNoSecretIn(String((error as Error).message), 'the error message');
    // For a while no new search starts: failing connections cost no Secrets Manager call.
    await setRolePassword(PASSWORDS[0]);
    putSecret(PASSWORDS[0]);
    const during = fake.callCount('GetSecretValue');
    expect(isAuthFailure(await sequelize.query('SELECT 1').catch((e: unknown) => e))).toBe(true);
    expect(fake.callCount('GetSecretValue')).toBe(during);
    // After the back-off (1 s after a first failed search) the next connection recovers by itself.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    await expect(sequelize.query('SELECT 1')).resolves.toBeDefined();
  });

  test("AWS's rotation order: while only AWSPENDING holds the database's password, connections use it", async () => {
    // createSecret: the new password is staged as AWSPENDING; setSecret: the database takes it.
    fake.stagePending('prod/app-db', { engine: 'postgres', host: db.host, port: db.port, dbname: db.database, username: ROLE, password: PASSWORDS[1] });
    await setRolePassword(PASSWORDS[1]);
    await killConnections();
    const before = fake.callCount('GetSecretValue');
    await expect(sequelize.query('SELECT 1')).resolves.toBeDefined();
    expect(fake.callCount('GetSecretValue') - before).toBe(2); // AWSCURRENT (still the old one), then AWSPENDING
    // finishSecret: AWSCURRENT moves onto the new version; nothing more needs fetching.
    fake.promotePending('prod/app-db');
    await killConnections();
    await expect(sequelize.query('SELECT 1')).resolves.toBeDefined();
    expect(fake.callCount('GetSecretValue') - before).toBe(2);
  });

  test('the rotation finishes in the middle of the search: the final AWSCURRENT read finds the new password', async () => {
    // The database has the new password; AWSCURRENT has the old one until the search has read it,
    // then the rotation's finishSecret runs: AWSPENDING is gone before the search asks for it.
    const next = 'mid-search-Pw-1q2w3e';
    registerSecret(next);
    fake.stagePending('prod/app-db', { engine: 'postgres', host: db.host, port: db.port, dbname: db.database, username: ROLE, password: next });
    await setRolePassword(next);
    await killConnections();
    let promoted = false;
    // finishSecret runs right after the search's first read (AWSCURRENT, still the old password).
    fake.afterCall = (call) => {
      if (!promoted && call.operation === 'GetSecretValue') {
        fake.promotePending('prod/app-db');
        promoted = true;
      }
    };
    const before = fake.callCount('GetSecretValue');
    try {
      await expect(sequelize.query('SELECT 1')).resolves.toBeDefined();
    } finally {
      fake.afterCall = undefined;
    }
    // AWSCURRENT (old), AWSPENDING (gone), AWSPREVIOUS (old), AWSCURRENT (new).
    expect(fake.callCount('GetSecretValue') - before).toBe(4);
    expect(promoted).toBe(true);
    // Put the role back where the next test expects it.
    await setRolePassword(PASSWORDS[1]);
    putSecret(PASSWORDS[1]);
    await killConnections();
    await sequelize.query('SELECT 1');
  });

  test('the database catches up with AWSCURRENT during the search: the final read tries that password again', async () => {
    // Two rotations, the secret updated first each time: AWSCURRENT = p2, AWSPREVIOUS = p1; the
    // database still has p1, and this container cached p0 before both.
    const [p0, p1, p2] = ['catch-up-Pw-0a0a0a', 'catch-up-Pw-1b1b1b', 'catch-up-Pw-2c2c2c'];
    [p0, p1, p2].forEach(registerSecret);
    putSecret(p0);
    await setRolePassword(p0);
    await freshContainer(productionEnv());
    await (await connectToDatabase()).query('SELECT 1');
    putSecret(p1);
    putSecret(p2);
    await setRolePassword(p1);
    await killConnections();
    // The search reads AWSCURRENT (p2: rejected, the database has p1) and AWSPENDING (none); while it
    // reads AWSPREVIOUS (p1), the rotation's ALTER ROLE to p2 lands, so p1 is rejected too. Only
    // trying AWSCURRENT again finds the password.
    fake.afterCall = async (call) => {
      if (call.operation === 'GetSecretValue' && fake.callCount('GetSecretValue') === 3) await setRolePassword(p2);
    };
    fake.calls.length = 0;
    try {
      await expect(sequelize.query('SELECT 1')).resolves.toBeDefined();
    } finally {
      fake.afterCall = undefined;
    }
    expect(fake.callCount('GetSecretValue')).toBe(4);
    // Put the role and the secret back where the next test expects them.
    await setRolePassword(PASSWORDS[1]);
    putSecret(PASSWORDS[1]);
    await freshContainer(productionEnv());
    await (await connectToDatabase()).query('SELECT 1');
  });

  test('rotations back to back outrun one pass of the search: it goes round again because the secret moved', async () => {
    const [p0, p1, p2, p3] = ['outrun-Pw-0d0d0d', 'outrun-Pw-1e1e1e', 'outrun-Pw-2f2f2f', 'outrun-Pw-3g3g3g'];
    [p0, p1, p2, p3].forEach(registerSecret);
    putSecret(p0);
    await setRolePassword(p0);
    await freshContainer(productionEnv());
    await (await connectToDatabase()).query('SELECT 1');
    // The cached p0 is rejected: the database has p2, the secret's AWSCURRENT is still p1.
    putSecret(p1);
    await setRolePassword(p2);
    await killConnections();
    // While the search reads, the secret becomes p2 and then, just as it reads p2, both the secret and
    // the database move on to p3: every password of the first pass is rejected.
    fake.afterCall = async (call) => {
      if (call.operation !== 'GetSecretValue') return;
      const n = fake.callCount('GetSecretValue');
      if (n === 3) putSecret(p2);
      if (n === 4) {
        putSecret(p3);
        await setRolePassword(p3);
      }
    };
    fake.calls.length = 0;
    const mark = logMark();
    try {
      await expect(sequelize.query('SELECT 1')).resolves.toBeDefined();
    } finally {
      fake.afterCall = undefined;
    }
    // Pass 1: AWSCURRENT (p1), AWSPENDING (none), AWSPREVIOUS (p0, already rejected), AWSCURRENT (p2);
    // pass 2: AWSCURRENT (p3).
    expect(fake.callCount('GetSecretValue')).toBe(5);
    expect(capturedLogs(mark)).toEqual(expect.arrayContaining([expect.objectContaining({ message: 'The secret changed during the credential search; searching again' })]));
    await setRolePassword(PASSWORDS[1]);
    putSecret(PASSWORDS[1]);
    await freshContainer(productionEnv());
    await (await connectToDatabase()).query('SELECT 1');
  });

  test('secret updated before the database: a cold start in between falls back to AWSPREVIOUS', async () => {
    putSecret(PASSWORDS[2]); // AWSCURRENT is new; the database still has PASSWORDS[1] (now AWSPREVIOUS)
    await freshContainer(productionEnv());
    await expect((await connectToDatabase()).query('SELECT 1')).resolves.toBeDefined();
    expect(fake.callCount('GetSecretValue')).toBe(4); // initial AWSCURRENT, forced AWSCURRENT, AWSPENDING, AWSPREVIOUS
    // Then the database changes too: the next connection moves back to AWSCURRENT.
    await setRolePassword(PASSWORDS[2]);
    await killConnections();
    await expect(sequelize.query('SELECT 1')).resolves.toBeDefined();
    expect(fake.callCount('GetSecretValue')).toBe(5);
  });

  test('Secrets Manager failing during the search does not end it: the other reads still find the password', async () => {
    await freshContainer(productionEnv());
    await setRolePassword(PASSWORDS[0]);
    putSecret(PASSWORDS[0]);
    await connectToDatabase();
    await setRolePassword(PASSWORDS[1]);
    putSecret(PASSWORDS[1]);
    await killConnections();
    fake.inject({ kind: 'server-error', operation: 'GetSecretValue', times: 3 }); // the first read, all SDK attempts
    await expect(sequelize.query('SELECT 1')).resolves.toBeDefined();
    expect(databaseStatus().credentialsSource).toBe('secrets-manager');
  });

  test('the DB_PASSWORD fallback is replaced by the secret once the server rejects it', async () => {
    await freshContainer({ ...productionEnv(), DB_HOST: db.host, DB_PORT: String(db.port), DB_NAME: db.database, DB_USER: ROLE, DB_PASSWORD: PASSWORDS[2] });
    await setRolePassword(PASSWORDS[1]);
    putSecret(PASSWORDS[1]);
    fake.inject({ kind: 'server-error', operation: 'GetSecretValue', times: 3 }); // down at the cold start
    await expect(connectToDatabase()).resolves.toBe(sequelize);
    expect(databaseStatus().credentialsSource).toBe('secrets-manager');
    const [rows] = await sequelize.query('SELECT current_user AS who');
    expect(rows).toEqual([{ who: ROLE }]);
  });

  test('credentials that never opened a connection are not kept', async () => {
    await freshContainer(productionEnv());
    await setRolePassword('in-no-version-Pw-0');
    registerSecret('in-no-version-Pw-0');
    await expect(connectToDatabase()).rejects.toBeDefined();
    expect(databaseStatus().credentialsSource).toBeUndefined();
    await setRolePassword(PASSWORDS[2]);
    putSecret(PASSWORDS[2]);
    await new Promise((resolve) => setTimeout(resolve, 1_100)); // the failed search's back-off
    fake.calls.length = 0;
    await expect(connectToDatabase()).resolves.toBe(sequelize);
    // Fetched afresh (past nothing: the rejected credentials were dropped), not reused.
    expect(databaseStatus().credentialsSource).toBe('secrets-manager');
    const [rows] = await sequelize.query('SELECT current_user AS who');
    expect(rows).toEqual([{ who: ROLE }]);
  });

  test('connectToDatabase during closeDatabase waits for the close and opens a fresh pool', async () => {
    await connectToDatabase();
    const closing = closeDatabase();
    const reopened = connectToDatabase();
    await closing;
    const instance = await reopened;
    await expect(instance.query('SELECT 1')).resolves.toBeDefined();
  });

  test('Secrets Manager unavailable and no DB_PASSWORD: a typed error; the next call tries again', async () => {
    await freshContainer({ ...productionEnv(), DB_SECRET_NAME: 'prod/not-yet-created' });
    const error = await connectToDatabase().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect((error as Error).message).toContain('prod/not-yet-created');
    fake.putSecret('prod/not-yet-created', { engine: 'postgres', host: db.host, port: db.port, dbname: db.database, username: ROLE, password: PASSWORDS[2] });
    await expect(connectToDatabase()).resolves.toBe(sequelize);
  });
});
