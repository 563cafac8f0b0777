import { capturedLogs, logMark } from '../../../testing/logCapture';
import { createTestDatabase, type TestDatabase } from '../../../testing/db';
import { Sequelize, closeDatabase, getDatabaseConfig } from '@lambdas/shared';
import { resetCredentialsForTests } from '@lambdas/shared/testing';
import { testContext } from '../../../testing/httpApi';
import { handler } from '../src/handler';
import { MIGRATIONS } from '../src/migrations';
import { sql, type Migration } from '../src/migrations/types';
import { MIGRATIONS_TABLE, runMigrations } from '../src/migrator';

/** Each test gets an empty database; each "container" its own Sequelize instance, as separate Lambdas would. */
let db: TestDatabase;
const instances: Sequelize[] = [];

async function container(): Promise<Sequelize> {
  const instance = new Sequelize(await getDatabaseConfig());
  instances.push(instance);
  return instance;
}

beforeEach(async () => {
  db = await createTestDatabase();
  db.applyEnv();
  await closeDatabase();
  resetCredentialsForTests();
});

afterEach(async () => {
  await Promise.all(instances.splice(0).map((instance) => instance.close()));
  await closeDatabase();
  await db.drop();
});

const allNames = MIGRATIONS.map((m) => m.name);

async function schema(): Promise<{ columns: string[]; indexes: string[]; recorded: string[] }> {
  const admin = await db.admin();
  const columns = await admin.query<{ c: string }>(
    "SELECT column_name || ' ' || data_type || ' ' || is_nullable AS c FROM information_schema.columns WHERE table_name = 'todos' ORDER BY ordinal_position",
  );
  const indexes = await admin.query<{ indexdef: string }>("SELECT indexdef FROM pg_indexes WHERE tablename = 'todos' ORDER BY indexname");
  const recorded = await admin.query<{ name: string }>(`SELECT name FROM ${MIGRATIONS_TABLE} ORDER BY name`);
  return { columns: columns.rows.map((r) => r.c), indexes: indexes.rows.map((r) => r.indexdef), recorded: recorded.rows.map((r) => r.name) };
}

it('applies every migration to an empty database', async () => {
  const result = await runMigrations(await container());
  expect(result).toEqual({ applied: allNames, executed: allNames });
  const { columns, indexes, recorded } = await schema();
  expect(columns).toEqual([
    'id uuid NO',
    'title character varying NO',
    'completed boolean NO',
    'created_at timestamp with time zone NO',
    'updated_at timestamp with time zone NO',
    'version integer NO',
  ]);
  expect(indexes).toEqual([expect.stringContaining('btree (created_at DESC, id DESC)'), expect.stringContaining('UNIQUE INDEX todos_pkey')]);
  expect(recorded).toEqual(allNames);
});

it('is a no-op the second time', async () => {
  const instance = await container();
  await runMigrations(instance);
  const before = await schema();
  expect(await runMigrations(instance)).toEqual({ applied: [], executed: allNames });
  expect(await schema()).toEqual(before);
});

it('serialises two concurrent runs: one applies everything, the other waits and finds nothing to do', async () => {
  const [a, b] = [await container(), await container()];
  const results = await Promise.all([runMigrations(a), runMigrations(b)]);
  expect(results.map((r) => r.applied).sort((x, y) => y.length - x.length)).toEqual([allNames, []]);
  expect((await schema()).recorded).toEqual(allNames);
});

it('rolls back a failing run entirely, including the migrations before the failure', async () => {
  const broken: Migration = {
    name: '9999-broken',
    up: async ({ context }) => sql(context, 'ALTER TABLE no_such_table ADD COLUMN x int'),
  };
  await expect(runMigrations(await container(), [...MIGRATIONS, broken])).rejects.toThrow(/no_such_table/);
  const admin = await db.admin();
  expect((await admin.query("SELECT to_regclass('todos') AS t, to_regclass('schema_migrations') AS m")).rows).toEqual([{ t: null, m: null }]);
});

describe('the migrate Lambda handler', () => {
  it('applies the migrations, reports them, and logs with the invocation context', async () => {
    const mark = logMark();
    const context = testContext('migrate');
    expect(await handler({}, context)).toEqual({ applied: allNames, executed: allNames, skipped: false });
    expect(await handler(undefined, testContext('migrate'))).toEqual({ applied: [], executed: allNames, skipped: false });
    expect(capturedLogs(mark)).toEqual(
      expect.arrayContaining([expect.objectContaining({ message: 'Migrations complete', function_name: 'migrate', function_request_id: context.awsRequestId, applied: allNames })]),
    );
  });

  it('leaves the schema alone on a CloudFormation Delete', async () => {
    expect(await handler({ RequestType: 'Delete' }, testContext('migrate'))).toEqual({ applied: [], executed: [], skipped: true });
    const admin = await db.admin();
    expect((await admin.query("SELECT to_regclass('todos') AS t")).rows).toEqual([{ t: null }]);
  });
});
