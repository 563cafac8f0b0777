import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Sequelize } from 'sequelize';
import { registerSecret } from '../../../../testing/logCapture';
import { spawnEmbeddedPostgres, type ChildPgServer } from '../../../../testing/embeddedPostgresProcess';
import { createTestDatabase, type TestDatabase } from '../../../../testing/db';
import { makeServerCertificate } from '../../../../tools/tlsCertificates';
import { getDatabaseConfig } from '../../src';
import { LAMBDA_POOL, isBroken, stampConnection, validateConnection } from '../../src/db';
import { resetEnvForTests } from '../../src/config/variables';
import type * as Shared from '../../src';

const saved = { ...process.env };
afterEach(() => {
  process.env = { ...saved };
  resetEnvForTests();
});

function useEnv(values: Record<string, string>): void {
  process.env = { ...saved, NODE_ENV: 'development', DB_SSL: 'false', DB_SSL_CA_FILE: '', ...values };
  resetEnvForTests();
}

test('getDatabaseConfig: Lambda pool, bundle-safe driver, no SQL logging, credentials from getDbCredentials', async () => {
  useEnv({ DB_HOST: 'db.local', DB_PORT: '5433', DB_NAME: 'orders', DB_USER: 'svc', DB_PASSWORD: 'Pw-config-123' });
  registerSecret('Pw-config-123');
  const config = await getDatabaseConfig();
  expect(config).toMatchObject({ dialect: 'postgres', host: 'db.local', port: 5433, database: 'orders', username: 'svc', password: 'Pw-config-123', logging: false, logQueryParameters: false });
  // The imported pg itself (types, defaults) with a Client that listens for 'error' from construction.
  const driver = config.dialectModule as typeof pg;
  expect(Object.getPrototypeOf(driver)).toBe(pg);
  expect(driver.types).toBe(pg.types);
  const client = new driver.Client({ host: '127.0.0.1' });
  expect(client).toBeInstanceOf(pg.Client);
  // A client the pool would hand out (stamped as an `afterConnect` hook does) until it reports an error.
  stampConnection(client);
  expect(validateConnection(client)).toBe(true);
  expect(() => client.emit('error', new Error('terminated before Sequelize listened'))).not.toThrow();
  expect([isBroken(client), validateConnection(client)]).toEqual([true, false]);
  // The pool is Sequelize's Lambda sizing, with our validate (a public pool option), and every
  // connection is stamped by an afterConnect hook (public too) so that validate knows it.
  expect(config.pool).toEqual({ ...LAMBDA_POOL, validate: validateConnection });
  expect(config.hooks).toEqual({ afterConnect: expect.any(Function) });
  expect(config.dialectOptions).not.toHaveProperty('ssl');
  // Every limit sits below the 10 s function timeout.
  expect(config.dialectOptions).toMatchObject({ connectionTimeoutMillis: 3_000, statement_timeout: 5_000 });
  expect(LAMBDA_POOL.acquire).toBeLessThan(10_000);
});

describe('settings read at connect time, not at import', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(() => db.drop());

  const envFor = (extra: Record<string, string>) => ({ DB_HOST: db.host, DB_PORT: String(db.port), DB_NAME: db.database, DB_USER: db.user, DB_PASSWORD: db.password, ...extra });

  test("an instance built from getDatabaseConfig() reuses its pooled connection (the pool's validate knows its connections)", async () => {
    useEnv(envFor({}));
    const instance = new Sequelize(await getDatabaseConfig());
    let opened = 0;
    instance.addHook('afterConnect', () => void (opened += 1));
    for (let i = 0; i < 5; i += 1) await instance.query('SELECT 1');
    expect(opened).toBe(1);
    await instance.close();
  });

  test('DB_STATEMENT_TIMEOUT_MS sets the statement timeout of new connections', async () => {
    for (const [timeout, succeeds] of [
      ['300', false],
      ['3000', true],
    ] as const) {
      useEnv(envFor({ DB_STATEMENT_TIMEOUT_MS: timeout }));
      const instance = new Sequelize(await getDatabaseConfig());
      const outcome = await instance.query('SELECT pg_sleep(0.6)').then(
        () => 'ok',
        (error: { parent?: { code?: string } }) => error.parent?.code,
      );
      await instance.close();
      expect([timeout, outcome]).toEqual([timeout, succeeds ? 'ok' : '57014']);
    }
  });

  test('a malformed DB_SSL does not break importing the models; it fails the connection, named', async () => {
    useEnv(envFor({ DB_SSL: 'maybe' }));
    let imported: typeof Shared | undefined;
    jest.isolateModules(() => {
      imported = jest.requireActual<typeof Shared>('../../src');
    });
    expect(imported?.getSequelize()).toBeDefined();
    const error = await imported!.connectToDatabase().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(imported!.EnvVarError);
    expect((error as Error).message).toContain('DB_SSL');
    await imported!.closeDatabase();
  });
});

describe('DB_SSL: TLS with certificate verification against a real TLS PostgreSQL', () => {
  let dir: string;
  let server: ChildPgServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pg-tls-'));
    server = await spawnEmbeddedPostgres({ settings: makeServerCertificate(dir).settings });
    registerSecret(server.password);
  });

  afterAll(async () => {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const connectWith = async (overrides: Record<string, string>): Promise<unknown> => {
    useEnv({ DB_HOST: server.host, DB_PORT: String(server.port), DB_NAME: 'postgres', DB_USER: server.user, DB_PASSWORD: server.password, DB_SSL: 'true', ...overrides });
    const instance = new Sequelize(await getDatabaseConfig());
    try {
      const [rows] = await instance.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
      return rows;
    } finally {
      await instance.close();
    }
  };

  test('with the CA bundle in DB_SSL_CA_FILE, the connection is encrypted', async () => {
    await expect(connectWith({ DB_SSL_CA_FILE: join(dir, 'ca.pem') })).resolves.toEqual([{ ssl: true }]);
  });

  test('an untrusted certificate is refused (verification is on)', async () => {
    await expect(connectWith({})).rejects.toThrow(/self[- ]signed certificate|unable to verify/i);
  });

  test('a certificate for another host name is refused', async () => {
    await expect(connectWith({ DB_SSL_CA_FILE: join(dir, 'ca.pem'), DB_HOST: 'localhost' })).rejects.toThrow(/Hostname\/IP does not match|altnames/i);
  });
});
