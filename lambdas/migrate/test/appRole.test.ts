/**
 * The least-privileged application role, on the password-checking (scram-sha-256) server: a role
 * the migrations create can log in with the application secret's password (sent as a verifier),
 * read and write the tables, and do nothing else.
 */
import pg from 'pg';
import { Sequelize, closeDatabase, getDatabaseConfig } from '@lambdas/shared';
import { resetCredentialsForTests, resetEnvForTests, resetSecretManagerForTests } from '@lambdas/shared/testing';
import { SecretManager } from '@lambdas/shared/secrets';
import { createTestDatabase, type TestDatabase } from '../../../testing/db';
import { testContext } from '../../../testing/httpApi';
import { assertNoSecretIn, capturedText, registerSecret } from '../../../testing/logCapture';
import { FakeSecretsManager } from '../../../tools/fakeSecretsManager';
import { handler } from '../src/handler';
import { MIGRATIONS } from '../src/migrations';
import { sql, type Migration } from '../src/migrations/types';
import { runMigrations } from '../src/migrator';
import { APP_ROLE_IDLE_SESSION_TIMEOUT_MS, AppRoleError, appRoleFromEnvironment, scramSha256Verifier, UnsupportedPasswordError } from '../src/roles';

const APP = `app_api_${process.pid}`;
const PASSWORD = 'App-role-Pw-7f3k9q';
registerSecret(PASSWORD);

let db: TestDatabase;
let owner: Sequelize;
let admin: pg.Client;

/** A connection as the application role (what an API function opens). */
async function asApp(password = PASSWORD): Promise<pg.Client> {
  const client = new pg.Client({ host: db.host, port: db.port, database: db.database, user: APP, password });
  await client.connect();
  return client;
}

async function failureOf(client: pg.Client, statement: string): Promise<string> {
  return client.query(statement).then(
    () => 'succeeded',
    (error: Error) => error.message,
  );
}

beforeEach(async () => {
  db = await createTestDatabase('AUTH');
  db.adoptRole(APP);
  owner = new Sequelize({ dialect: 'postgres', dialectModule: pg, host: db.host, port: db.port, database: db.database, username: db.user, password: db.password, logging: false });
  admin = await db.admin();
});

afterEach(async () => {
  await owner.close();
  await db.drop();
});

test('the SCRAM verifier is what PostgreSQL stores, and the server accepts exactly that password', async () => {
  const verifier = scramSha256Verifier(PASSWORD, Buffer.from('0123456789abcdef'));
  expect(verifier).toMatch(/^SCRAM-SHA-256\$4096:MDEyMzQ1Njc4OWFiY2RlZg==\$[A-Za-z0-9+/]{43}=:[A-Za-z0-9+/]{43}=$/);
  expect(verifier).not.toContain(PASSWORD);
  expect(() => scramSha256Verifier('pässword')).toThrow(UnsupportedPasswordError);
  await admin.query(`CREATE ROLE ${APP} LOGIN PASSWORD ${pg.escapeLiteral(verifier)}`);
  const { rows } = await admin.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [APP]);
  expect(rows[0]?.rolpassword).toBe(verifier);
  await (await asApp()).end();
  await expect(asApp('wrong-Pw')).rejects.toThrow(/password authentication failed/);
});

test('the role reads and writes the tables and can do nothing else', async () => {
  const result = await runMigrations(owner, MIGRATIONS, { appRole: { user: APP, password: PASSWORD } });
  expect(result.appRole).toEqual({ user: APP, created: true, auth: 'password', settings: ['statement_timeout=5000ms', 'idle_in_transaction_session_timeout=10000ms', `idle_session_timeout=${APP_ROLE_IDLE_SESSION_TIMEOUT_MS}ms`] });
  // The password travelled as a verifier: the server stores one, and the logs never saw the password.
  const { rows: stored } = await admin.query<{ rolpassword: string }>('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [APP]);
  expect(stored[0]?.rolpassword).toMatch(/^SCRAM-SHA-256\$4096:/);
  assertNoSecretIn(capturedText(), 'logs');

  const app = await asApp();
  try {
    // Data: every statement the API sends.
    const { rows } = await app.query<{ id: string }>("INSERT INTO todos (id, title, completed, created_at, updated_at, version) VALUES (gen_random_uuid(), 'by the app role', false, now(), now(), 1) RETURNING id");
    await app.query('UPDATE todos SET completed = true WHERE id = $1', [rows[0]!.id]);
    expect((await app.query('SELECT title, completed FROM todos')).rows).toEqual([{ title: 'by the app role', completed: true }]);
    await app.query('DELETE FROM todos WHERE id = $1', [rows[0]!.id]);
    // The role's own limits, in this database: they hold behind a pooler, where none are sent.
    expect((await app.query('SHOW statement_timeout')).rows[0]).toEqual({ statement_timeout: '5s' });
    expect((await app.query('SHOW idle_in_transaction_session_timeout')).rows[0]).toEqual({ idle_in_transaction_session_timeout: '10s' });
    expect((await app.query('SHOW idle_session_timeout')).rows[0]).toEqual({ idle_session_timeout: `${APP_ROLE_IDLE_SESSION_TIMEOUT_MS / 1_000}s` });
    // Nothing else: no DDL, no temporary tables, no bookkeeping, no roles or databases.
    expect(await failureOf(app, 'CREATE TABLE intruder (id int)')).toMatch(/permission denied for schema public/);
    expect(await failureOf(app, 'CREATE TEMP TABLE scratch (id int)')).toMatch(/permission denied to create temporary tables/);
    expect(await failureOf(app, 'ALTER TABLE todos ADD COLUMN x int')).toMatch(/must be owner of table todos/);
    expect(await failureOf(app, 'DROP TABLE todos')).toMatch(/must be owner of table todos/);
    expect(await failureOf(app, 'TRUNCATE todos')).toMatch(/permission denied for table todos/);
    expect(await failureOf(app, 'CREATE INDEX ON todos (title)')).toMatch(/must be owner of table todos/);
    expect(await failureOf(app, 'SELECT * FROM schema_migrations')).toMatch(/permission denied for table schema_migrations/);
    expect(await failureOf(app, "INSERT INTO schema_migrations (name) VALUES ('9999-fake')")).toMatch(/permission denied/);
    expect(await failureOf(app, 'CREATE DATABASE other')).toMatch(/permission denied to create database/);
    expect(await failureOf(app, 'CREATE ROLE other')).toMatch(/permission denied to create role/);
    expect(await failureOf(app, `ALTER ROLE ${db.user} PASSWORD 'taken-over'`)).toMatch(/permission denied/);
    // (Its own time limits are defaults, not a boundary: any role may SET them in its session.)
  } finally {
    await app.end();
  }
});

test('idempotent, and a table a later migration creates is the role\'s to use at once', async () => {
  await runMigrations(owner, MIGRATIONS, { appRole: { user: APP, password: PASSWORD } });
  const notes: Migration = { name: '0099-notes', up: async ({ context }) => sql(context, 'CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL)') };
  const second = await runMigrations(owner, [...MIGRATIONS, notes], { appRole: { user: APP, password: PASSWORD } });
  expect(second).toMatchObject({ applied: ['0099-notes'], appRole: { created: false, auth: 'password' } });
  const app = await asApp();
  try {
    await app.query("INSERT INTO notes (body) VALUES ('serial needs the sequence too')");
    expect((await app.query('SELECT count(*)::int AS n FROM notes')).rows).toEqual([{ n: 1 }]);
  } finally {
    await app.end();
  }
});

test('IAM authentication: no password, a member of rds_iam (RDS\'s role), and back to a password when the secret returns', async () => {
  // What RDS provides; a plain PostgreSQL has no such role.
  await admin.query('DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = \'rds_iam\') THEN CREATE ROLE rds_iam NOLOGIN; END IF; END $$');
  const member = async () => (await admin.query('SELECT pg_has_role($1, \'rds_iam\', \'MEMBER\') AS m', [APP])).rows[0]?.m as boolean;
  await runMigrations(owner, MIGRATIONS, { appRole: { user: APP, password: PASSWORD } });
  const iam = await runMigrations(owner, MIGRATIONS, { appRole: { user: APP } });
  expect(iam.appRole).toMatchObject({ auth: 'iam', created: false });
  expect(await member()).toBe(true);
  expect((await admin.query('SELECT rolpassword FROM pg_authid WHERE rolname = $1', [APP])).rows[0]).toEqual({ rolpassword: null });
  await expect(asApp()).rejects.toThrow(/password authentication failed/);

  await runMigrations(owner, MIGRATIONS, { appRole: { user: APP, password: PASSWORD } });
  expect(await member()).toBe(false);
  await (await asApp()).end();
});

test('a role with more than it needs stops the run, which leaves nothing behind', async () => {
  await admin.query(`CREATE ROLE ${APP} LOGIN CREATEDB`);
  const error = await runMigrations(owner, MIGRATIONS, { appRole: { user: APP, password: PASSWORD } }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(AppRoleError);
  expect((error as Error).message).toBe(`Role ${APP} has CREATEDB; the API's role must not. Run ALTER ROLE ${APP} NOCREATEDB as an administrator, or choose another DB_APP_USER`);
  // One transaction: the migrations rolled back with it.
  expect((await admin.query("SELECT to_regclass('public.todos') AS t")).rows).toEqual([{ t: null }]);

  await admin.query(`ALTER ROLE ${APP} NOCREATEDB`);
  await admin.query(`GRANT pg_read_all_data TO ${APP}`);
  await expect(runMigrations(owner, MIGRATIONS, { appRole: { user: APP } })).rejects.toThrow(`Role ${APP} is a member of pg_read_all_data`);
  await expect(runMigrations(owner, MIGRATIONS, { appRole: { user: db.user } })).rejects.toThrow(/must not be the user the migrations run as/);
  await expect(runMigrations(owner, MIGRATIONS, { appRole: { user: 'x"; DROP TABLE todos; --' } })).rejects.toThrow(/plain PostgreSQL identifier/);
});

describe('the migrate function reads the role and its password from the deployment', () => {
  const fake = new FakeSecretsManager();
  const saved = { ...process.env };

  beforeAll(async () => {
    await fake.start();
  });
  afterAll(async () => {
    await fake.stop();
    process.env = saved;
    resetEnvForTests();
  });
  afterEach(async () => {
    await closeDatabase();
    process.env = { ...saved };
    resetEnvForTests();
    resetCredentialsForTests();
    resetSecretManagerForTests();
  });

  test('DB_APP_USER + DB_APP_SECRET_NAME: the handler creates the role with the secret\'s password', async () => {
    fake.putSecret('prod/app-user', { engine: 'postgres', host: db.host, port: db.port, dbname: db.database, username: APP, password: PASSWORD });
    fake.configureEnvironment();
    db.applyEnv({ NODE_ENV: 'development', DB_APP_USER: APP, DB_APP_SECRET_NAME: 'prod/app-user' });
    resetEnvForTests();
    const response = await handler({}, testContext('migrate'));
    expect(response.appRole).toMatchObject({ user: APP, auth: 'password', created: true });
    await (await asApp()).end();
    // The same secret the API functions read: one source for the password.
    const viaApp = new Sequelize({ ...(await getDatabaseConfig()), username: APP, password: PASSWORD });
    await expect(viaApp.query('SELECT count(*) FROM todos')).resolves.toBeDefined();
    await viaApp.close();
  });

  test('a secret for another user is refused before anything runs', async () => {
    fake.putSecret('prod/other-user', { engine: 'postgres', username: 'someone_else', password: 'Other-Pw-123' });
    registerSecret('Other-Pw-123');
    fake.configureEnvironment();
    db.applyEnv({ NODE_ENV: 'development', DB_APP_USER: APP, DB_APP_SECRET_NAME: 'prod/other-user' });
    resetEnvForTests();
    await expect(appRoleFromEnvironment(new SecretManager())).rejects.toThrow(`Secret "prod/other-user" holds the password of "someone_else", not of DB_APP_USER (${APP})`);
    await expect(handler({}, testContext('migrate'))).rejects.toBeInstanceOf(AppRoleError);
  });
});
