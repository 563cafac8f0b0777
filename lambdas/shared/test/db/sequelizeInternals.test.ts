/**
 * Pins what `src/db/sequelizeInternals.ts` relies on in the Sequelize (and pg) in use. When an
 * upgrade removes or changes one of these, this file fails first, naming it.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { DataTypes, Model, Op, Sequelize, literal } from 'sequelize';
import { createTestDatabase, type TestDatabase } from '../../../../testing/db';
import { pgDriver } from '../../src/db/pgDriver';
import { reopenPools, sequelizeConsidersUsable, wrapConnect, type ConnectionConfig } from '../../src/db/sequelizeInternals';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

// A known databaseVersion, as the package sets it: otherwise Sequelize opens one more connection to read it.
const instance = (): Sequelize =>
  new Sequelize({ dialect: 'postgres', dialectModule: pgDriver, host: db.host, port: db.port, database: db.database, username: db.user, password: db.password, logging: false, pool: { max: 1 }, databaseVersion: '13.0.0' } as never);

test('the Sequelize in use is version 6', () => {
  const version = (createRequire(__filename)('sequelize/package.json') as { version: string }).version;
  expect(version).toMatch(/^6\./);
});

test('connectionManager.connect opens each physical connection, after beforeConnect and before afterConnect, with the config the hook changed', async () => {
  const sequelize = instance();
  const order: string[] = [];
  sequelize.addHook('beforeConnect', (config) => {
    order.push('beforeConnect');
    (config as ConnectionConfig).dialectOptions = { ...(config as ConnectionConfig).dialectOptions, application_name: 'pinned' };
  });
  sequelize.addHook('afterConnect', () => void order.push('afterConnect'));
  let seen: ConnectionConfig | undefined;
  wrapConnect(sequelize, async (connect, config) => {
    order.push('connect');
    seen = config;
    return connect(config);
  });
  const [rows] = await sequelize.query("SELECT current_setting('application_name') AS name");
  expect(rows).toEqual([{ name: 'pinned' }]);
  expect(order).toEqual(['beforeConnect', 'connect', 'afterConnect']);
  expect(seen?.dialectOptions).toMatchObject({ application_name: 'pinned' });
  await sequelize.close();
});

test('a wrapper may retry a refused connect with other credentials (what the rotation retry does)', async () => {
  const sequelize = instance();
  let attempts = 0;
  wrapConnect(sequelize, async (connect, config) => {
    attempts += 1;
    try {
      return await connect({ ...config, password: 'wrong', port: 9 });
    } catch {
      return connect(config);
    }
  });
  await expect(sequelize.query('SELECT 1')).resolves.toBeDefined();
  expect(attempts).toBe(1);
  await sequelize.close();
});

test('after close(), getConnection throws until reopenPools restores it', async () => {
  const sequelize = instance();
  await sequelize.query('SELECT 1');
  await sequelize.close();
  await expect(sequelize.query('SELECT 1')).rejects.toThrow(/closed/);
  reopenPools(sequelize);
  await expect(sequelize.query('SELECT 1')).resolves.toBeDefined();
  await sequelize.close();
});

test("Sequelize's own pool check reads pg's _ending and its _invalid flag, as sequelizeConsidersUsable does", async () => {
  const manager = instance().connectionManager as unknown as { validate(connection: object): boolean };
  for (const connection of [{}, { _invalid: true }, { _ending: true }, { _invalid: false, _ending: false }]) {
    expect([connection, sequelizeConsidersUsable(connection)]).toEqual([connection, manager.validate(connection)]);
  }
  // pg sets `_ending` when a client is ended.
  const client = new pg.Client({ host: db.host, port: db.port, database: db.database, user: db.user, password: db.password });
  await client.connect();
  const ended = client.end();
  expect((client as unknown as { _ending?: boolean })._ending).toBe(true);
  await ended;
});

test("Sequelize's postgres query path marks a connection _invalid after a broken socket or a client-side query timeout", () => {
  const dir = dirname(createRequire(__filename).resolve('sequelize/package.json'));
  const source = readFileSync(join(dir, 'lib', 'dialects', 'postgres', 'query.js'), 'utf8');
  expect(source).toMatch(/error\.message === "Query read timeout"[^]*?connection\._invalid = true/);
  expect(source).toContain('ECONNRESET');
});

/**
 * Not private access, but Sequelize 6 behaviour `lambdas/todos/src/todoStore.ts` relies on, pinned
 * here so an upgrade fails by name: a `$name` placeholder in a `where` value is rewritten to a pg
 * bind parameter from the `bind` option, by the finders and by `Model.destroy` (whose typings omit
 * `bind`), so the value never appears in the statement text.
 */
test('$name placeholders in a where travel as bind parameters, for findOne and destroy', async () => {
  const sequelize = instance();
  class Note extends Model {}
  Note.init({ id: { type: DataTypes.INTEGER, primaryKey: true }, body: DataTypes.TEXT }, { sequelize, tableName: 'pinned_notes', timestamps: false });
  await Note.sync();
  await Note.create({ id: 1, body: 'MARKER-bound' });
  const statements: Array<{ sql: string; bind: unknown }> = [];
  const log = (sql: string, options?: unknown): void => void statements.push({ sql, bind: (options as { bind?: unknown } | undefined)?.bind });
  const found = await Note.findOne({ where: { body: { [Op.eq]: literal('$body') } }, bind: { body: 'MARKER-bound' }, raw: true, logging: log });
  expect(found).toMatchObject({ id: 1 });
  const destroyed = await Note.destroy({ where: { body: { [Op.eq]: literal('$body') } }, bind: { body: 'MARKER-bound' }, logging: log } as never);
  expect(destroyed).toBe(1);
  expect(statements).toHaveLength(2);
  for (const { sql, bind } of statements) {
    expect(sql).not.toContain('MARKER');
    expect(sql).toMatch(/\$1/);
    expect(bind).toEqual({ body: 'MARKER-bound' });
  }
  await Note.drop();
  await sequelize.close();
});

