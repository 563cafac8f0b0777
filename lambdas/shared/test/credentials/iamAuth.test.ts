/**
 * IAM database authentication (`DB_AUTH=iam`) with the real `@aws-sdk/rds-signer`, fixed AWS
 * credentials and no network: what the token signs, when a new one is signed, and a real TLS +
 * scram-sha-256 PostgreSQL whose role password is set to the token just issued, so a connection
 * succeeds only if pg really sent that token as the password.
 */
import pg from 'pg';
import { coldStart, restoreEnvironment } from '../../../../testing/container';
import { assertNoSecretIn, capturedLogs, capturedText, logMark, registerSecret } from '../../../../testing/logCapture';
import { startTlsPostgres, type TlsPostgres } from '../../../../testing/tlsPostgres';
import { closeDatabase, connectToDatabase, databaseStatus, EnvVarError } from '../../src';
import { iamCredentials } from '../../src/credentials/getDbCredentials';
import { IamAuthConfigError } from '../../src/credentials/errors';
import { IamTokenSource, iamTokenSource, iamTokenTarget, signWithRdsSigner, TOKEN_REUSE_MS } from '../../src/credentials/iamToken';
import { discardIdleConnections } from '../../src/db';

const AWS = { AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', AWS_REGION: 'eu-west-1' };
registerSecret(AWS.AWS_SECRET_ACCESS_KEY);
const START = Date.parse('2026-11-30T12:00:00Z');

/** Only the clock is faked (the signer reads `new Date()`); timers, ticks and I/O run for real. */
function fakeClock(now: number): void {
  jest.useFakeTimers({ now, doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
}

function parseToken(token: string): URL {
  // A token is a presigned URL without its scheme: host:port/?Action=connect&DBUser=…&X-Amz-…
  return new URL(`https://${token}`);
}

afterEach(() => {
  jest.useRealTimers();
});

describe('the signer (real @aws-sdk/rds-signer, fixed credentials)', () => {
  beforeEach(async () => {
    await coldStart({ ...AWS });
  });
  afterAll(restoreEnvironment);

  test('the token signs host, port, user and region, for 15 minutes, with the given credentials', async () => {
    fakeClock(START);
    const token = await signWithRdsSigner({ hostname: 'db.example.internal', port: 5433, username: 'app_user', region: 'eu-west-1' });
    registerSecret(token);
    const url = parseToken(token);
    expect(url.hostname).toBe('db.example.internal');
    expect(url.port).toBe('5433');
    expect(url.searchParams.get('Action')).toBe('connect');
    expect(url.searchParams.get('DBUser')).toBe('app_user');
    expect(url.searchParams.get('X-Amz-Credential')).toBe(`${AWS.AWS_ACCESS_KEY_ID}/20261130/eu-west-1/rds-db/aws4_request`);
    expect(url.searchParams.get('X-Amz-Date')).toBe('20261130T120000Z');
    expect(url.searchParams.get('X-Amz-Expires')).toBe('900');
    expect(url.searchParams.get('X-Amz-Signature')).toMatch(/^[0-9a-f]{64}$/);
    // Deterministic for the same inputs and time; another user or host is another signature.
    await expect(signWithRdsSigner({ hostname: 'db.example.internal', port: 5433, username: 'app_user', region: 'eu-west-1' })).resolves.toBe(token);
    const other = await signWithRdsSigner({ hostname: 'db.example.internal', port: 5433, username: 'other', region: 'eu-west-1' });
    expect(parseToken(other).searchParams.get('X-Amz-Signature')).not.toBe(url.searchParams.get('X-Amz-Signature'));
  });

  test('one token is reused while young; a new one is signed before the old expires', async () => {
    fakeClock(START);
    let signed = 0;
    const source = new IamTokenSource(async (target) => {
      signed += 1;
      return signWithRdsSigner(target);
    });
    const target = { hostname: '127.0.0.1', port: 5432, username: 'app_user', region: 'eu-west-1' };
    // Concurrent new connections share one signing.
    const first = await Promise.all(Array.from({ length: 5 }, () => source.token(target)));
    expect(signed).toBe(1);
    expect(new Set(first.map((t) => t.token)).size).toBe(1);
    jest.setSystemTime(START + TOKEN_REUSE_MS - 1_000);
    await expect(source.token(target)).resolves.toEqual(first[0]);
    expect(signed).toBe(1);
    // Past the reuse window but still 5 minutes inside RDS's 15: a new token, dated now.
    jest.setSystemTime(START + TOKEN_REUSE_MS);
    const second = await source.token(target);
    expect(signed).toBe(2);
    expect(second.token).not.toBe(first[0]!.token);
    expect(parseToken(second.token).searchParams.get('X-Amz-Date')).toBe('20261130T121000Z');
    // Another target is never answered with this one's token; `fresh` signs regardless of age.
    await source.token({ ...target, username: 'someone_else' });
    expect(signed).toBe(3);
    await source.token({ ...target, username: 'someone_else' }, { fresh: true });
    expect(signed).toBe(4);
  });

  test('a signer failure is not cached: the next connection signs again', async () => {
    let calls = 0;
    const source = new IamTokenSource(async () => {
      calls += 1;
      if (calls === 1) throw new Error('credentials not ready');
      return 'token-2';
    });
    const target = { hostname: 'h', port: 1, username: 'u', region: 'r' };
    await expect(source.token(target)).rejects.toThrow('credentials not ready');
    await expect(source.token(target)).resolves.toMatchObject({ token: 'token-2' });
  });
});

describe('configuration', () => {
  afterAll(restoreEnvironment);
  const base = { ...AWS, NODE_ENV: 'production', DB_AUTH: 'iam', DB_HOST: 'db.internal', DB_PORT: '5432', DB_NAME: 'app', DB_USER: 'app_user', DB_SSL: 'true' };

  test.each([
    ['TLS off', { DB_SSL: 'false' }, /DB_SSL=true/],
    ['a secret as well', { DB_SECRET_NAME: 'prod/db' }, /unset DB_SECRET_NAME/],
    ['no region', { AWS_REGION: '', AWS_DEFAULT_REGION: '', AWS_CONFIG_FILE: '/nonexistent', AWS_PROFILE: 'none' }, /AWS_REGION/],
  ])('%s: an IamAuthConfigError that says what to change, before any connection', async (_name, overrides, message) => {
    await coldStart({ ...base, ...overrides });
    const error = await iamTokenTarget().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IamAuthConfigError);
    expect((error as Error).message).toMatch(message);
    await expect(connectToDatabase()).rejects.toBeInstanceOf(IamAuthConfigError);
  });

  test('DB_AUTH takes password or iam only', async () => {
    await coldStart({ ...base, DB_AUTH: 'kerberos' });
    await expect(connectToDatabase()).rejects.toThrow(EnvVarError);
    await expect(connectToDatabase()).rejects.toThrow(/DB_AUTH is invalid: must be password or iam/);
  });
});

describe('connections with IAM tokens to a TLS, password-checking PostgreSQL', () => {
  const ROLE = 'iam_app';
  let tls: TlsPostgres;
  let admin: pg.Client;

  const setRolePassword = (password: string) => admin.query(`ALTER ROLE ${ROLE} PASSWORD ${pg.escapeLiteral(password)}`);
  const whoAmI = async () => {
    const [rows] = await (await connectToDatabase()).query('SELECT current_user AS "user", ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()');
    return rows;
  };

  beforeAll(async () => {
    tls = await startTlsPostgres();
    admin = new pg.Client({ host: tls.server.host, port: tls.server.port, user: tls.server.user, password: tls.server.password, database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE ROLE ${ROLE} LOGIN`);
  });

  beforeEach(async () => {
    fakeClock(START);
    await coldStart({
      ...AWS,
      NODE_ENV: 'production',
      DB_AUTH: 'iam',
      DB_HOST: tls.server.host,
      DB_PORT: String(tls.server.port),
      DB_NAME: 'postgres',
      DB_USER: ROLE,
      DB_SSL: 'true',
      DB_SSL_CA_FILE: tls.caFile,
    });
  });

  afterAll(async () => {
    await restoreEnvironment();
    await admin.end();
    await tls.stop();
  });

  test('the password pg sends is the token just issued, over TLS; the token is never logged', async () => {
    const mark = logMark();
    // The token this container will use (it is cached: what every new connection gets while young).
    const { password: token } = await iamCredentials();
    registerSecret(token);
    await setRolePassword(token);
    await expect(whoAmI()).resolves.toEqual([{ user: ROLE, ssl: true }]);
    expect(databaseStatus().credentialsSource).toBe('iam');
    assertNoSecretIn(capturedText(), 'logs');
    expect(capturedLogs(mark).some((line) => JSON.stringify(line).includes('X-Amz-Signature'))).toBe(false);
  });

  test('a connection opened after the reuse window gets a newer token; the old one is not sent again', async () => {
    const { password: first } = await iamCredentials();
    registerSecret(first);
    await setRolePassword(first);
    await expect(whoAmI()).resolves.toEqual([{ user: ROLE, ssl: true }]);

    // Eleven minutes later (the old token still valid for four), a new connection is needed.
    jest.setSystemTime(START + TOKEN_REUSE_MS + 60_000);
    const { token: second } = await iamTokenSource().token(await iamTokenTarget());
    registerSecret(second);
    expect(second).not.toBe(first);
    await setRolePassword(second);
    await discardIdleConnections();
    const mark = logMark();
    await expect(whoAmI()).resolves.toEqual([{ user: ROLE, ssl: true }]);
    // Accepted at the first attempt: the new connection was handed the new token, not the old one.
    expect(capturedLogs(mark).map((line) => line.message)).not.toContain('Database rejected the IAM token; signing a new one');
  });

  test('a refused token: one new signing, then a clear error (no secret search, no token in the logs)', async () => {
    const mark = logMark();
    await setRolePassword('not-any-token-Pw-0');
    registerSecret('not-any-token-Pw-0');
    const error = await connectToDatabase().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(String((error as Error).message)).toMatch(/password authentication failed/);
    const messages = capturedLogs(mark).map((line) => line.message);
    expect(messages.filter((m) => m === 'Database rejected the IAM token; signing a new one')).toHaveLength(1);
    expect(messages).not.toContain('Fetching credentials from Secrets Manager');
    assertNoSecretIn(capturedText(), 'logs');
    await closeDatabase();
  });
});
