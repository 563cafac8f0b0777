/**
 * One secret format, three database types, each proven with a real connection: MYSQL against
 * MySQL/MariaDB, REDSHIFT and POSTGRES against PostgreSQL (Redshift speaks its wire protocol).
 * A wrong password must be recognised as an authentication failure in each, through Sequelize's
 * wrapping, since that is what triggers the rotation retry.
 */
import mysql2 from 'mysql2';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { Sequelize } from 'sequelize';
import { createTestDatabase, type TestDatabase } from '../../../../testing/db';
import { registerSecret } from '../../../../testing/logCapture';
import { FakeSecretsManager } from '../../../../tools/fakeSecretsManager';
import { isAuthFailure } from '../../src/db';
import { SecretManager, type ConnectionOptions } from '../../src/secrets';

const fake = new FakeSecretsManager();
const PASSWORD = 'Db-Secret-5x7y9z';
registerSecret(PASSWORD);

beforeAll(async () => {
  await fake.start();
  fake.configureEnvironment();
});
afterAll(() => fake.stop());

function sequelizeFor(options: ConnectionOptions, password = options.password): Sequelize {
  return new Sequelize({
    dialect: options.dbType === 'MYSQL' ? 'mysql' : 'postgres',
    dialectModule: options.dbType === 'MYSQL' ? mysql2 : pg,
    host: options.host,
    port: options.port,
    database: options.database,
    username: options.user,
    password,
    logging: false,
    pool: { max: 1 },
  });
}

async function authError(instance: Sequelize): Promise<unknown> {
  try {
    await instance.authenticate();
    return undefined;
  } catch (error) {
    return error;
  } finally {
    await instance.close();
  }
}

describe('POSTGRES and REDSHIFT (PostgreSQL protocol, password-checking server)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase('AUTH');
    const admin = await db.admin();
    await admin.query(`DROP ROLE IF EXISTS secret_user; CREATE ROLE secret_user LOGIN PASSWORD ${pg.escapeLiteral(PASSWORD)}`);
  });
  afterAll(async () => {
    const admin = await db.admin();
    await db.drop();
    await admin.query('DROP ROLE IF EXISTS secret_user').catch(() => undefined);
  });

  test.each(['POSTGRES', 'REDSHIFT'] as const)('%s: the secret connects, and a wrong password is an auth failure', async (dbType) => {
    const scheme = dbType === 'REDSHIFT' ? 'redshift' : 'postgresql';
    fake.putSecret(`db/${dbType}`, { username: 'secret_user', password: PASSWORD, hosturl: `jdbc:${scheme}://${db.host}:${db.port}/${db.database}` });
    const options = await new SecretManager().getValueForSecret({ dbType, Secret: `db/${dbType}` });
    expect(options.driver).toBe(dbType === 'REDSHIFT' ? 'com.amazon.redshift.jdbc42.Driver' : 'org.postgresql.Driver');
    const instance = sequelizeFor(options);
    const [rows] = await instance.query('SELECT current_user AS who, current_database() AS db');
    expect(rows).toEqual([{ who: 'secret_user', db: db.database }]);
    await instance.close();
    const error = await authError(sequelizeFor(options, 'not-the-password'));
    expect(error).toBeDefined();
    expect(isAuthFailure(error)).toBe(true);
  });

  test('a refused connection is not mistaken for an auth failure', async () => {
    const error = await authError(new Sequelize({ dialect: 'postgres', dialectModule: pg, host: '127.0.0.1', port: 9, database: 'x', username: 'u', password: 'p', logging: false }));
    expect(error).toBeDefined();
    expect(isAuthFailure(error)).toBe(false);
  });
});

const mysqlUrl = process.env.TEST_MYSQL_URL;
const describeMysql = mysqlUrl ? describe : describe.skip;
if (!mysqlUrl) process.stdout.write('MYSQL tests not configured: no MySQL/MariaDB at TEST_MYSQL_URL or 127.0.0.1:3306\n');

describeMysql('MYSQL (a real MySQL/MariaDB server)', () => {
  const suffix = `${process.pid}_${Date.now().toString(36)}`;
  const database = `secrets_${suffix}`;
  const user = `app_${suffix}`.slice(0, 32);
  let root: mysql.Connection;
  let host: string;
  let port: number;

  beforeAll(async () => {
    root = await mysql.createConnection({ uri: mysqlUrl });
    const url = new URL(mysqlUrl as string);
    host = url.hostname;
    port = Number(url.port || 3306);
    await root.query(`CREATE DATABASE \`${database}\``);
    await root.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${PASSWORD}'`);
    await root.query(`GRANT ALL ON \`${database}\`.* TO '${user}'@'%'`);
  });
  afterAll(async () => {
    await root.query(`DROP USER IF EXISTS '${user}'@'%'`);
    await root.query(`DROP DATABASE IF EXISTS \`${database}\``);
    await root.end();
  });

  test.each([
    ['the seed shape', () => ({ user, password: PASSWORD, url: `jdbc:mysql://${host}:${port}/${database}`, driver: 'org.mariadb.jdbc.Driver' })],
    ["AWS's RDS shape", () => ({ engine: 'mariadb', host, port, dbname: database, username: user, password: PASSWORD })],
  ])('%s: the secret connects; a wrong password is an auth failure (1045)', async (_label, secret) => {
    fake.putSecret(`mysql/${_label}`, secret());
    const options = await new SecretManager().getValueForSecret({ dbType: 'mysql', Secret: `mysql/${_label}` });
    expect(options).toMatchObject({ dbType: 'MYSQL', host, port, database, user });
    const instance = sequelizeFor(options);
    const [rows] = await instance.query('SELECT DATABASE() AS db');
    expect(rows).toEqual([{ db: database }]);
    await instance.close();
    const error = await authError(sequelizeFor(options, 'wrong-password'));
    expect(isAuthFailure(error)).toBe(true);
    expect((error as { parent?: { errno?: number } }).parent?.errno).toBe(1045);
  });
});
