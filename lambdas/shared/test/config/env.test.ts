import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSecretsManager } from '../../../../tools/fakeSecretsManager';
import { capturedLogs, capturedText, logMark, registerSecret } from '../../../../testing/logCapture';
import { CredentialsUnavailableError, env, EnvVarError, getDbCredentials } from '../../src';
import { findRepositoryRoot, resetEnvForTests } from '../../src/config/variables';
import { resetSecretManagerForTests } from '../../src/testing';

const saved = { ...process.env };
const originalCwd = process.cwd();
// Outside any repository, so a developer's own .env cannot leak into these tests.
const outside = mkdtempSync(join(tmpdir(), 'no-repo-'));
const DB_VARS = ['DB_HOST', 'DB_PORT', 'DB_NAME', 'DB_USER', 'DB_PASSWORD', 'DB_SECRET_NAME', 'DB_SSL', 'DB_SSL_CA_FILE', 'NODE_ENV'];
const fake = new FakeSecretsManager();
const SECRET_PASSWORD = 'from-secrets-manager-9f8e7d';

beforeAll(async () => {
  await fake.start();
  registerSecret(SECRET_PASSWORD);
  registerSecret('dev-password-123');
});
afterAll(async () => {
  process.chdir(originalCwd);
  rmSync(outside, { recursive: true, force: true });
  await fake.stop();
});
beforeEach(() => {
  process.chdir(outside);
  for (const name of DB_VARS) delete process.env[name];
  fake.configureEnvironment();
  fake.reset();
  resetEnvForTests();
  resetSecretManagerForTests();
});
afterEach(() => {
  process.env = { ...saved };
  resetEnvForTests();
});

describe('the validated environment', () => {
  test('documented defaults apply to unset variables', () => {
    process.env.NODE_ENV = 'test';
    expect(env.DB_HOST).toBe('127.0.0.1');
    expect(env.DB_PORT).toBe(5432);
    expect(env.DB_SSL).toBe(false);
    expect(env.SECRETS_CACHE_TTL_SECONDS).toBe(300);
  });

  test('values are parsed: a port is a number, a flag a boolean', () => {
    Object.assign(process.env, { DB_PORT: '6543', DB_SSL: 'true' });
    expect(env.DB_PORT).toBe(6543);
    expect(env.DB_SSL).toBe(true);
  });

  test('a missing variable is an EnvVarError naming it, raised on first use rather than at import', () => {
    process.env.NODE_ENV = 'test';
    expect(() => env.DB_NAME).toThrow(EnvVarError);
    expect(() => env.DB_NAME).toThrow('Environment variable DB_NAME is required but not set');
  });

  test('a malformed variable names the variable and the problem, never the value', () => {
    process.env.DB_PORT = 'not-a-port-xyz';
    expect(() => env.DB_PORT).toThrow(/^Environment variable DB_PORT is invalid: must be a port number$/);
    process.env.DB_SSL = 'maybe-xyz';
    let message = '';
    try {
      void env.DB_SSL;
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('DB_SSL');
    expect(message).not.toContain('maybe-xyz');
  });
});

describe('.env loading', () => {
  let repo: string;
  beforeEach(() => {
    repo = mkdtempSync(join(tmpdir(), 'repo-'));
    writeFileSync(join(repo, 'pnpm-workspace.yaml'), 'packages: []\n');
    writeFileSync(join(repo, '.env'), 'DB_NAME=from_dotenv\nDB_USER=dotenv_user\n');
    mkdirSync(join(repo, 'lambdas', 'todos'), { recursive: true });
  });
  afterEach(() => {
    process.chdir(outside);
    rmSync(repo, { recursive: true, force: true });
  });

  test('the repository root .env is found from any working directory inside the repo', () => {
    process.chdir(join(repo, 'lambdas', 'todos'));
    expect(findRepositoryRoot()).toBe(repo);
    expect(env.DB_NAME).toBe('from_dotenv');
  });

  test('the process environment wins over .env', () => {
    process.chdir(repo);
    process.env.DB_NAME = 'exported';
    expect(env.DB_NAME).toBe('exported');
    expect(env.DB_USER).toBe('dotenv_user');
  });

  test('production never reads .env', () => {
    process.chdir(repo);
    process.env.NODE_ENV = 'production';
    expect(() => env.DB_NAME).toThrow(EnvVarError);
  });
});

describe('getDbCredentials', () => {
  const devEnv = { NODE_ENV: 'development', DB_HOST: 'localhost', DB_PORT: '5433', DB_NAME: 'app', DB_USER: 'dev', DB_PASSWORD: 'dev-password-123' };

  test('development: from DB_*, source env, and no AWS call even with DB_SECRET_NAME set', async () => {
    Object.assign(process.env, devEnv, { DB_SECRET_NAME: 'prod/db' });
    await expect(getDbCredentials()).resolves.toEqual({ host: 'localhost', port: 5433, database: 'app', user: 'dev', password: 'dev-password-123', source: 'env' });
    expect(fake.callCount()).toBe(0);
  });

  test('production: the secret supplies credentials and, where it holds them, host/port/dbname', async () => {
    fake.putSecret('prod/db', { engine: 'postgres', host: 'rds.internal', port: 5432, dbname: 'prod', username: 'app', password: SECRET_PASSWORD });
    Object.assign(process.env, { NODE_ENV: 'production', DB_SECRET_NAME: 'prod/db', DB_HOST: 'ignored', DB_NAME: 'ignored', DB_USER: 'ignored' });
    const mark = logMark();
    await expect(getDbCredentials()).resolves.toEqual({ host: 'rds.internal', port: 5432, database: 'prod', user: 'app', password: SECRET_PASSWORD, source: 'secrets-manager' });
    const lines = capturedLogs(mark);
    expect(lines.some((l) => l.message === 'Fetching credentials from Secrets Manager' && l.secretName === 'prod/db')).toBe(true);
    expect(capturedText()).not.toContain(SECRET_PASSWORD);
    // Cached for the container: a second call makes no request.
    await getDbCredentials();
    expect(fake.callCount('GetSecretValue')).toBe(1);
  });

  test('production: a credentials-only secret takes its location from DB_*', async () => {
    fake.putSecret('creds-only', { username: 'app', password: SECRET_PASSWORD });
    Object.assign(process.env, { NODE_ENV: 'production', DB_SECRET_NAME: 'creds-only', DB_HOST: 'db.internal', DB_PORT: '6000', DB_NAME: 'orders' });
    await expect(getDbCredentials()).resolves.toMatchObject({ host: 'db.internal', port: 6000, database: 'orders', user: 'app', source: 'secrets-manager' });
  });

  test('production: when Secrets Manager fails and DB_PASSWORD is set, it is used with a warning', async () => {
    Object.assign(process.env, devEnv, { NODE_ENV: 'production', DB_SECRET_NAME: 'absent' });
    const mark = logMark();
    await expect(getDbCredentials()).resolves.toMatchObject({ password: 'dev-password-123', source: 'env' });
    expect(capturedLogs(mark).some((l) => l.level === 'WARN' && String(l.message).includes('falling back to DB_PASSWORD'))).toBe(true);
  });

  test('production: without DB_PASSWORD a failure is a typed error naming the secret and the cause', async () => {
    Object.assign(process.env, { NODE_ENV: 'production', DB_SECRET_NAME: 'absent', DB_NAME: 'x', DB_USER: 'y' });
    const error = await getDbCredentials().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CredentialsUnavailableError);
    expect((error as Error).message).toMatch(/secret "absent" \(SecretsManagerRequestError: .*ResourceNotFoundException\)/);
  });

  test('production: an outage at cold start ends within the function timeout (SDK retries included)', async () => {
    fake.putSecret('slow', { username: 'app', password: SECRET_PASSWORD });
    fake.inject({ kind: 'server-error', times: 10 });
    Object.assign(process.env, { NODE_ENV: 'production', DB_SECRET_NAME: 'slow', DB_NAME: 'x', DB_USER: 'y' });
    const started = Date.now();
    await expect(getDbCredentials()).rejects.toBeInstanceOf(CredentialsUnavailableError);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(fake.callCount('GetSecretValue')).toBe(3);
  });
});
