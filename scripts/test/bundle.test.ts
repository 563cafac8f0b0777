import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createTestDatabase, type TestDatabase } from '../../testing/db';
import { apiEvent, testContext } from '../../testing/httpApi';
import { FakeSecretsManager } from '../../tools/fakeSecretsManager';
import { REQUIRE_SHIM, bundleFunction, type BundleResult } from '../bundle';
import { bytesByPackage, packageOf } from '../bundleReport';

/**
 * The bundles as Lambda runs them: plain `node` importing the ESM file, outside jest and away from
 * the workspace's node_modules (copied to a temp dir), against a real PostgreSQL.
 */
const root = join(__dirname, '..', '..');
const outdir = mkdtempSync(join(tmpdir(), 'bundle-test-'));
let db: TestDatabase;
let todos: BundleResult;
let migrate: BundleResult;

/**
 * Invokes the bundle's `handler` once per event in a fresh Node process and returns the results.
 * In an event, `__ID__` and `__ETAG__` stand for the id and ETag of the first 201 response before it.
 */
async function invoke(bundle: BundleResult, events: unknown[], envOverrides: Record<string, string> = {}): Promise<{ results: unknown[]; output: string }> {
  const script = `
    const { handler } = await import(${JSON.stringify(bundle.outfile)});
    const results = [];
    let id = '', etag = '';
    for (const template of JSON.parse(process.env.EVENTS)) {
      const event = JSON.parse(JSON.stringify(template).replaceAll('__ID__', id).replaceAll('__ETAG__', etag.replaceAll('"', '\\\\"')));
      const result = await handler(event, JSON.parse(process.env.CONTEXT));
      if (result.statusCode === 201 && !id) { id = JSON.parse(result.body).id; etag = result.headers.etag ?? ''; }
      results.push(result);
    }
    process.stdout.write('RESULTS ' + JSON.stringify(results) + '\\n');
    process.exit(0);`;
  const env = {
    PATH: process.env.PATH,
    NODE_ENV: 'development',
    DB_HOST: db.host,
    DB_PORT: String(db.port),
    DB_NAME: db.database,
    DB_USER: db.user,
    DB_PASSWORD: db.password,
    POWERTOOLS_LOG_LEVEL: 'WARN',
    EVENTS: JSON.stringify(events),
    CONTEXT: JSON.stringify(testContext(bundle.fn)),
    ...envOverrides,
  };
  const { stdout, stderr } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: outdir, env, timeout: 20_000 });
  const line = stdout.split('\n').find((l) => l.startsWith('RESULTS '));
  if (!line) throw new Error(`No results from the bundle:\n${stdout}\n${stderr}`);
  return { results: JSON.parse(line.slice('RESULTS '.length)) as unknown[], output: stdout + stderr };
}

beforeAll(async () => {
  db = await createTestDatabase();
  [todos, migrate] = await Promise.all([bundleFunction(root, 'todos', join(outdir, 'todos')), bundleFunction(root, 'migrate', join(outdir, 'migrate'))]);
}, 60_000);

afterAll(async () => {
  await db.drop();
  rmSync(outdir, { recursive: true, force: true });
});

it('produces minified ESM with the require shim and a source map', () => {
  const code = readFileSync(todos.outfile, 'utf8');
  expect(code.startsWith(REQUIRE_SHIM)).toBe(true);
  // Minified: long lines (the few newlines left are inside template literals).
  expect(code.length / code.split('\n').length).toBeGreaterThan(5_000);
  expect(JSON.parse(readFileSync(`${todos.outfile}.map`, 'utf8'))).toMatchObject({ version: 3 });
});

it('attributes every byte of a bundle to a package (pnpm build --why)', () => {
  const packages = bytesByPackage(todos.metafile, todos.outfile);
  const names = packages.map((p) => p.name);
  expect(names).toEqual(expect.arrayContaining(['sequelize', 'pg', 'zod', '@aws-sdk/client-secrets-manager', '(project)']));
  const total = packages.reduce((sum, p) => sum + p.bytes, 0);
  // The output adds only esbuild's glue (the require shim, module wrappers) to the inputs' bytes.
  expect(total).toBeLessThanOrEqual(todos.bytes);
  expect(total).toBeGreaterThan(todos.bytes * 0.9);
  expect(packageOf('node_modules/.pnpm/@smithy+core@3.0.0/node_modules/@smithy/core/dist/index.js')).toBe('@smithy/core');
  expect(packageOf('lambdas/shared/src/index.ts')).toBe('(project)');
  // What a function never runs stays out: the response schemas (only the OpenAPI document and the tests read them).
  expect(Object.keys(todos.metafile.inputs).filter((file) => file.endsWith('api/responseSchemas.ts'))).toEqual([]);
  // Nor classic zod: the functions' schemas are zod/mini (src/zod.ts), whose functions the bundler keeps one by one.
  expect(Object.keys(todos.metafile.inputs).filter((file) => /[\\/]zod[\\/]v4[\\/]classic[\\/]/.test(file))).toEqual([]);
  // Nor umzug's command line in migrate (the function only calls `up()`, run below).
  expect(bytesByPackage(migrate.metafile, migrate.outfile).map((p) => p.name).filter((name) => /^@rushstack\/|^argparse$|^jju$|^z-schema$/.test(name))).toEqual([]);
});

it('runs the bundled migrate and todos handlers against PostgreSQL', async () => {
  const migrated = await invoke(migrate, [{}]);
  expect(migrated.results).toEqual([expect.objectContaining({ applied: ['0001-create-todos', '0002-add-todo-version'], skipped: false })]);

  const { results, output } = await invoke(todos, [
    apiEvent('POST', '/todos', { body: { title: 'from the bundle' } }),
    apiEvent('GET', '/todos'),
    apiEvent('GET', '/todos/nope'),
    apiEvent('POST', '/todos', { body: { title: 5 } }),
  ]);
  expect(output).not.toMatch(/Please install|pg-hstore|Cannot find module/);
  const [created, list, invalid, wrongType] = results as Array<{ statusCode: number; body: string }>;
  // zod's English message, not mini's bare "Invalid input": the locale that src/zod.ts sets survives bundling.
  expect(JSON.parse(wrongType!.body)).toMatchObject({ code: 'validation_failed', details: [{ in: 'body', field: 'title', message: 'Invalid input: expected string, received number' }] });
  expect(created?.statusCode).toBe(201);
  expect(JSON.parse(list!.body)).toMatchObject({ items: [{ title: 'from the bundle' }], nextCursor: null });
  expect(invalid?.statusCode).toBe(400);
}, 30_000);

/**
 * The entry starts the credential fetch before the handler's modules evaluate (`earlyFetchEntry`):
 * in production, Secrets Manager receives GetSecretValue while the bundle is still being imported,
 * not at the first invocation. (Without a secret the same entry fetches nothing: every other test here.)
 */
it('in production, GetSecretValue is on its way before the import of the bundle completes', async () => {
  const fake = await new FakeSecretsManager().start();
  try {
    fake.putSecret('prod/early-db', { engine: 'postgres', host: db.host, port: db.port, dbname: db.database, username: db.user, password: db.password });
    let received: number | undefined;
    fake.afterCall = () => {
      received ??= Date.now();
    };
    const sdkEnv: NodeJS.ProcessEnv = {};
    fake.configureEnvironment(sdkEnv);
    const script = `await import(${JSON.stringify(todos.outfile)}); process.stdout.write('IMPORTED ' + Date.now() + '\\n'); process.exit(0);`;
    const env = { ...(sdkEnv as Record<string, string>), PATH: process.env.PATH, NODE_ENV: 'production', DB_SECRET_NAME: 'prod/early-db', POWERTOOLS_LOG_LEVEL: 'WARN' };
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], { cwd: outdir, env, timeout: 20_000 });
    const imported = Number(/IMPORTED (\d+)/.exec(stdout)?.[1]);
    expect(received).toBeDefined();
    expect(received!).toBeLessThanOrEqual(imported);
    expect(fake.callCount('GetSecretValue')).toBe(1);
  } finally {
    await fake.stop();
  }
}, 30_000);

/**
 * The bundle leaves out code a UTC-only Lambda never reads (scripts/bundleStubs.ts: time-zone data,
 * other dialects, the AWS SDK's wider credential chain...). Every route and error branch therefore
 * runs through the bundle itself, in production mode with credentials read by the bundled SDK from
 * the local Secrets Manager endpoint, so a stub that a code path does need fails here.
 */
it('serves every route and error branch in production mode, credentials from Secrets Manager', async () => {
  const fake = await new FakeSecretsManager().start();
  try {
    fake.putSecret('prod/bundle-db', { engine: 'postgres', host: db.host, port: db.port, dbname: db.database, username: db.user, password: db.password });
    const sdkEnv: NodeJS.ProcessEnv = {};
    fake.configureEnvironment(sdkEnv);
    const production = { ...(sdkEnv as Record<string, string>), NODE_ENV: 'production', DB_SECRET_NAME: 'prod/bundle-db', DB_PASSWORD: '', POWERTOOLS_LOG_LEVEL: 'INFO' };
    const { results, output } = await invoke(
      todos,
      [
        apiEvent('POST', '/todos', { body: { title: '  Bündle ✓ 🚀  ', completed: false } }),
        apiEvent('GET', '/todos/__ID__'),
        apiEvent('PATCH', '/todos/__ID__', { body: { completed: true }, headers: { 'if-match': '__ETAG__' } }),
        apiEvent('PATCH', '/todos/__ID__', { body: { title: 'stale' }, headers: { 'if-match': '__ETAG__' } }),
        apiEvent('GET', '/todos?limit=1'),
        apiEvent('POST', '/todos', { body: '{"title": ' }),
        apiEvent('POST', '/todos', { body: { title: '', extra: 1 } }),
        apiEvent('GET', '/todos?limit=0&cursor=%%%'),
        apiEvent('PUT', '/todos/__ID__', { body: {} }),
        apiEvent('DELETE', '/todos/__ID__'),
        apiEvent('GET', '/todos/__ID__'),
      ],
      production,
    );
    const statuses = (results as Array<{ statusCode: number }>).map((r) => r.statusCode);
    expect(statuses).toEqual([201, 200, 200, 412, 200, 400, 400, 400, 405, 204, 404]);
    const [created, , patched, , , badJson, invalid] = results as Array<{ statusCode: number; body: string; headers: Record<string, string> }>;
    expect(JSON.parse(created!.body)).toMatchObject({ title: 'Bündle ✓ 🚀', completed: false });
    expect(JSON.parse(patched!.body)).toMatchObject({ completed: true });
    expect(JSON.parse(badJson!.body)).toMatchObject({ code: expect.any(String), message: expect.any(String) });
    // zod's messages survive the locale cut: English text naming each bad field.
    const details = (JSON.parse(invalid!.body) as { details: Array<{ field: string; message: string }> }).details;
    expect(details.map((d) => d.field).sort()).toEqual(['extra', 'title']);
    for (const d of details) expect(d.message).toMatch(/^[\x20-\x7E]{6,}$/);
    expect(output).toContain('Fetching credentials from Secrets Manager');
    expect(output).not.toContain(db.password);
    expect(fake.callCount('GetSecretValue')).toBe(1);
  } finally {
    await fake.stop();
  }
}, 30_000);

/**
 * IAM authentication in the bundle: `@aws-sdk/rds-signer` is loaded on first use and takes the
 * role's credentials from the trimmed chain (scripts/bundleStubs.ts). The bundle signs a token and
 * sends it over verified TLS to a password-checking server, whose role has another password here
 * (a token cannot be predicted outside the process): the refusal, one new signing, and a 503 prove
 * the whole path ran in the bundle without a missing module or a token in the output.
 */
it('signs IAM tokens in the bundle and sends them over TLS (DB_AUTH=iam)', async () => {
  const { startTlsPostgres } = await import('../../testing/tlsPostgres');
  const tls = await startTlsPostgres();
  try {
    const { results, output } = await invoke(todos, [apiEvent('GET', '/todos')], {
      NODE_ENV: 'production',
      DB_AUTH: 'iam',
      DB_HOST: tls.server.host,
      DB_PORT: String(tls.server.port),
      DB_NAME: 'postgres',
      DB_USER: tls.server.user,
      DB_PASSWORD: '',
      DB_SSL: 'true',
      DB_SSL_CA_FILE: tls.caFile,
      AWS_REGION: 'eu-west-1',
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'bundle-test-secret-key',
      POWERTOOLS_LOG_LEVEL: 'INFO',
    });
    const [response] = results as Array<{ statusCode: number; body: string; headers: Record<string, string> }>;
    expect(response?.statusCode).toBe(503);
    expect(output).not.toMatch(/not in the Lambda bundle|Cannot find module|CredentialsProviderError/);
    expect(output.match(/Database rejected the IAM token; signing a new one/g)).toHaveLength(1);
    expect(output).not.toMatch(/X-Amz-Signature|bundle-test-secret-key/);
  } finally {
    await tls.stop();
  }
}, 40_000);
