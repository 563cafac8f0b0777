/**
 * Behind a real transaction pooler: Debian's PgBouncer in `pool_mode = transaction` with its default
 * `ignore_startup_parameters` (none), 2 server connections, in front of the tests' PostgreSQL. With
 * `DB_POOLER=transaction` the todos handler works through it, 50 concurrent requests share its 2
 * server connections, and nothing of ours stays on a server connection for the next client.
 * Without PgBouncer these tests report themselves as not configured, unless CI is set.
 */
import { existsSync } from 'node:fs';
import pg from 'pg';
import type { TodoDto } from '@lambdas/shared';
import { coldStart, restoreEnvironment } from '../../../testing/container';
import { createTestDatabase, type TestDatabase } from '../../../testing/db';
import { apiEvent, parseBody, testContext } from '../../../testing/httpApi';
import { PGBOUNCER_BINARY, startPgBouncer, type PgBouncer } from '../../../tools/pgbouncer';
import { connectToDatabase } from '@lambdas/shared';
import { MIGRATIONS, sql, type Migration } from '@lambdas/migrate/migrations';
import { runMigrations } from '@lambdas/migrate/migrator';
import { handler } from '../src/handler';

const missing = !existsSync(PGBOUNCER_BINARY);
const NOT_CONFIGURED = `PGBOUNCER tests not configured: no PgBouncer at ${PGBOUNCER_BINARY} (apt-get install pgbouncer)`;
if (missing && !process.env.CI) process.stdout.write(`${NOT_CONFIGURED}\n`);
const describePooler = missing && !process.env.CI ? describe.skip : describe;

const POOL_SIZE = 2;
/** The session settings Sequelize would otherwise set on every new connection, and our time limits. */
const SESSION_SETTINGS = ['client_min_messages', 'TimeZone', 'statement_timeout', 'idle_in_transaction_session_timeout'] as const;

describePooler('through PgBouncer in transaction mode', () => {
  let db: TestDatabase;
  let bouncer: PgBouncer;
  let serverDefaults: Record<string, string>;

  const showSettings = async (client: pg.Client): Promise<Record<string, string>> =>
    Object.fromEntries(await Promise.all(SESSION_SETTINGS.map(async (name) => [name, (await client.query<Record<string, string>>(`SHOW ${name}`)).rows[0]![name.toLowerCase()]!] as const)));

  const call = (method: string, path: string, body?: object, headers?: Record<string, string>) =>
    handler(apiEvent(method, path, { ...(body === undefined ? {} : { body }), ...(headers ? { headers } : {}) }), testContext('todos'));

  beforeAll(async () => {
    if (missing) throw new Error(`${NOT_CONFIGURED} (CI is set)`);
    db = await createTestDatabase();
    await db.migrate();
    bouncer = await startPgBouncer(db, { poolSize: POOL_SIZE });
    const direct = await db.admin();
    serverDefaults = await showSettings(direct);
  });

  afterAll(async () => {
    await restoreEnvironment();
    await bouncer?.stop();
    await db?.drop();
  });

  const containerBehindPooler = (pooler: string): Promise<void> =>
    coldStart({ NODE_ENV: 'development', DB_HOST: bouncer.host, DB_PORT: String(bouncer.port), DB_NAME: db.database, DB_USER: db.user, DB_PASSWORD: db.password, DB_POOLER: pooler });

  test('without DB_POOLER=transaction the pooler refuses the connection (the time limits are startup parameters): a 503, not a 500', async () => {
    await containerBehindPooler('none');
    const result = await call('GET', '/todos');
    expect(result.statusCode).toBe(503);
  });

  test('with DB_POOLER=transaction: create, read, list, conditional update and delete all work', async () => {
    await containerBehindPooler('transaction');
    const created = await call('POST', '/todos', { title: 'through the pooler' });
    expect(created.statusCode).toBe(201);
    const todo = parseBody<TodoDto>(created);
    const etag = String(created.headers?.etag);
    expect((await call('GET', `/todos/${todo.id}`)).statusCode).toBe(200);
    expect(parseBody<{ items: TodoDto[] }>(await call('GET', '/todos?limit=5')).items.map((t) => t.id)).toContain(todo.id);
    expect((await call('PATCH', `/todos/${todo.id}`, { completed: true }, { 'if-match': etag })).statusCode).toBe(200);
    expect((await call('PATCH', `/todos/${todo.id}`, { completed: false }, { 'if-match': etag })).statusCode).toBe(412);
    expect((await call('DELETE', `/todos/${todo.id}`)).statusCode).toBe(204);
  });

  test('50 concurrent requests, and 20 other clients, share its 2 server connections; all succeed', async () => {
    await containerBehindPooler('transaction');
    const others = Array.from({ length: 20 }, () => new pg.Client({ host: bouncer.host, port: bouncer.port, user: db.user, password: db.password, database: db.database }));
    await Promise.all(others.map((client) => client.connect()));
    try {
      const [results] = await Promise.all([
        Promise.all(Array.from({ length: 50 }, (_, i) => (i % 2 === 0 ? call('POST', '/todos', { title: `concurrent ${i}` }) : call('GET', '/todos?limit=3')))),
        Promise.all(others.map((client) => client.query('SELECT count(*) FROM todos'))),
      ]);
      expect(results.map((r) => r.statusCode).filter((status) => status !== 200 && status !== 201)).toEqual([]);
      // PgBouncer's own account of its server connections to this database.
      const console = new pg.Client({ host: bouncer.host, port: bouncer.port, user: db.user, password: db.password, database: 'pgbouncer' });
      await console.connect();
      try {
        const servers = (await console.query<{ database: string }>('SHOW SERVERS')).rows.filter((row) => row.database === db.database);
        expect(servers.length).toBeGreaterThan(0);
        expect(servers.length).toBeLessThanOrEqual(POOL_SIZE);
      } finally {
        await console.end();
      }
    } finally {
      await Promise.all(others.map((client) => client.end()));
    }
  });

  test('no session setting of ours is left on a server connection for the next client', async () => {
    await containerBehindPooler('transaction');
    // Our connections have used both server connections (two requests at once, each holding one).
    await Promise.all([call('POST', '/todos', { title: 'a' }), call('POST', '/todos', { title: 'b' })]);
    // Two clients in a transaction each: between them they get both server connections.
    const clients = [0, 1].map(() => new pg.Client({ host: bouncer.host, port: bouncer.port, user: db.user, password: db.password, database: db.database }));
    await Promise.all(clients.map((client) => client.connect()));
    try {
      await Promise.all(clients.map((client) => client.query('BEGIN')));
      const seen = await Promise.all(clients.map((client) => showSettings(client)));
      for (const settings of seen) expect(settings).toEqual(serverDefaults);
      await Promise.all(clients.map((client) => client.query('COMMIT')));
    } finally {
      await Promise.all(clients.map((client) => client.end()));
    }
    // The check can see a difference: a session SET through the pooler does stay for the next client.
    expect(serverDefaults.client_min_messages).not.toBe('warning');
  });

  test('the migrations run through the pooler with their own time limit (SET LOCAL), and leave it on no server connection', async () => {
    await coldStart({ NODE_ENV: 'development', DB_HOST: bouncer.host, DB_PORT: String(bouncer.port), DB_NAME: db.database, DB_USER: db.user, DB_PASSWORD: db.password, DB_POOLER: 'transaction', DB_STATEMENT_TIMEOUT_MS: '280000' });
    const probe: Migration = {
      name: '9000-probe-limits',
      up: ({ context }) => sql(context, "CREATE TABLE migration_limits AS SELECT current_setting('statement_timeout') AS statement_timeout, current_setting('idle_in_transaction_session_timeout') AS idle"),
    };
    const result = await runMigrations(await connectToDatabase(), [...MIGRATIONS, probe]);
    expect(result.applied).toEqual(['9000-probe-limits']);
    const direct = await db.admin();
    expect((await direct.query('SELECT * FROM migration_limits')).rows).toEqual([{ statement_timeout: '280s', idle: '285s' }]);
    const next = new pg.Client({ host: bouncer.host, port: bouncer.port, user: db.user, password: db.password, database: db.database });
    await next.connect();
    try {
      expect(await showSettings(next)).toEqual(serverDefaults);
    } finally {
      await next.end();
    }
  });
});
