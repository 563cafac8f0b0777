/**
 * Rotation under traffic: 1,000 requests from concurrent callers through the real `todos` handler,
 * in production mode (credentials from the local Secrets Manager endpoint through the real SDK),
 * against a password-checking PostgreSQL, while the role's password is rotated three times and
 * idle pooled connections are killed — in both orders a rotation can take. Not one request may fail.
 */
import pg from 'pg';
import { coldStart, restoreEnvironment } from '../../../testing/container';
import { createTestDatabase, type TestDatabase } from '../../../testing/db';
import { assertNoSecretIn, capturedLogs, registerSecret } from '../../../testing/logCapture';
import { FakeSecretsManager } from '../../../tools/fakeSecretsManager';
import { databaseStatus } from '@lambdas/shared';
import { apiEvent, testContext } from '../../../testing/httpApi';
import { handler } from '../src/handler';

const ROLE = 'todo_rotating';
const SECRET = 'prod/todos-db';
const fake = new FakeSecretsManager();
let db: TestDatabase;
let admin: pg.Client;
let generation = 0;

const nextPassword = (): string => {
  generation += 1;
  const password = `Rotated-${generation}-${Math.random().toString(36).slice(2, 10)}`;
  registerSecret(password);
  return password;
};
const secretValue = (password: string) => ({ engine: 'postgres', host: db.host, port: db.port, dbname: db.database, username: ROLE, password });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function alterRole(password: string): Promise<void> {
  await admin.query(`ALTER ROLE ${ROLE} PASSWORD ${pg.escapeLiteral(password)}`);
}

/** What a database restart or an idle timeout does to the pool: its idle sessions vanish. */
async function killIdleConnections(): Promise<void> {
  await admin.query(`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1 AND state = 'idle'`, [ROLE]);
}

/** The secret's AWSCURRENT first, then the database (a hand-run rotation). */
async function rotateSecretFirst(): Promise<void> {
  const password = nextPassword();
  fake.putSecret(SECRET, secretValue(password));
  await sleep(40);
  await alterRole(password);
  await killIdleConnections();
}

/** AWS's single-user rotation function: createSecret (AWSPENDING), setSecret, testSecret, finishSecret. */
async function rotateLikeAws(): Promise<void> {
  const password = nextPassword();
  fake.stagePending(SECRET, secretValue(password));
  await alterRole(password);
  await killIdleConnections();
  await sleep(40);
  fake.promotePending(SECRET);
}

interface Outcome {
  statuses: Map<number, number>;
  failures: string[];
}

/** `total` requests from `callers` concurrent callers: creates, reads by id and list pages. */
async function traffic(total: number, callers: number): Promise<Outcome> {
  const statuses = new Map<number, number>();
  const failures: string[] = [];
  const ids: string[] = [];
  let issued = 0;
  const caller = async (): Promise<void> => {
    while (issued < total) {
      const n = issued++;
      const event =
        n % 3 === 0 || ids.length === 0
          ? apiEvent('POST', '/todos', { body: { title: `todo ${n}` } })
          : n % 3 === 1
            ? apiEvent('GET', `/todos/${ids[n % ids.length]}`)
            : apiEvent('GET', '/todos?limit=5');
      const result = await handler(event, testContext('todos'));
      statuses.set(result.statusCode, (statuses.get(result.statusCode) ?? 0) + 1);
      assertNoSecretIn(result.body ?? '', 'a response body');
      if (result.statusCode >= 300) {
        // The handler logged why (class and message only): keep it with the failure for the report.
        const why = capturedLogs().filter((line) => line.message === 'Database unavailable').at(-1)?.error;
        failures.push(`${event.routeKey} -> ${result.statusCode} ${result.body ?? ''} ${JSON.stringify(why)}`);
      }
      else if (event.requestContext.http.method === 'POST') ids.push((JSON.parse(result.body ?? '{}') as { id: string }).id);
    }
  };
  await Promise.all(Array.from({ length: callers }, caller));
  return { statuses, failures };
}

async function startContainer(): Promise<void> {
  await coldStart({ NODE_ENV: 'production', DB_SECRET_NAME: SECRET, DB_NAME: db.database, DB_USER: ROLE, SECRETS_CACHE_TTL_SECONDS: '300' });
  fake.configureEnvironment();
}

beforeAll(async () => {
  await fake.start();
  db = await createTestDatabase('AUTH');
  admin = await db.admin();
  await db.migrate();
  const first = nextPassword();
  await db.createLoginRole(ROLE, first, { tables: true });
  fake.putSecret(SECRET, secretValue(first));
});

afterAll(async () => {
  await restoreEnvironment();
  await db.drop();
  await fake.stop();
});

test.each([
  ['the secret first, then the database', rotateSecretFirst],
  ["AWS's order: AWSPENDING, the database, then AWSCURRENT", rotateLikeAws],
] as const)('1,000 requests, three rotations (%s): zero failures, few Secrets Manager calls', async (_order, rotate) => {
  await startContainer();
  fake.calls.length = 0;
  const refreshesBefore = databaseStatus().refreshes;
  const load = traffic(1_000, 16);
  for (let i = 0; i < 3; i += 1) {
    await sleep(60);
    await rotate();
  }
  const { statuses, failures } = await load;
  expect(failures).toEqual([]);
  expect([...statuses.keys()].every((status) => status === 200 || status === 201)).toBe(true);
  // One read at the cold start, then per rotation at most the four reads of one credential search.
  const calls = fake.callCount('GetSecretValue');
  expect(calls).toBeGreaterThanOrEqual(1);
  expect(calls).toBeLessThanOrEqual(1 + 3 * 4);
  process.stdout.write(`${JSON.stringify({ rotationOrder: _order, getSecretValueCalls: calls, refreshes: databaseStatus().refreshes - refreshesBefore })}\n`);
});
