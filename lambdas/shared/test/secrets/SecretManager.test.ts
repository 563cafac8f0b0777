import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FakeSecretsManager } from '../../../../tools/fakeSecretsManager';
import { capturedLogs, registerSecret } from '../../../../testing/logCapture';
import { MissingRegionError, MissingSecretKeyError, SecretManager, SecretPreloadError, SecretsManagerRequestError, UnknownDatabaseTypeError, secretsManagerClient } from '../../src/secrets';

const fake = new FakeSecretsManager();
const password = (n: number | string) => `pw-${n}-s3cr3t-value`;
const rdsSecret = (n: number | string) => ({ engine: 'postgres', host: `db${n}.internal`, port: 5432, dbname: `app${n}`, username: `user${n}`, password: password(n) });

beforeAll(async () => {
  await fake.start();
  fake.configureEnvironment();
});
afterAll(() => fake.stop());
beforeEach(() => {
  fake.reset();
  process.env.AWS_REGION = 'us-east-1';
});

describe('getValueForSecret', () => {
  test('fetches through the real SDK client, then serves the cache under {DBTYPE}_{secretName}', async () => {
    fake.putSecret('prod/pg', rdsSecret(1));
    registerSecret(password(1));
    const manager = new SecretManager();
    const first = await manager.getValueForSecret({ dbType: 'postgres', Secret: 'prod/pg' });
    const second = await manager.getValueForSecret({ dbType: 'POSTGRES', Secret: 'prod/pg' });
    expect(first).toMatchObject({ dbType: 'POSTGRES', user: 'user1', password: password(1), host: 'db1.internal', database: 'app1', url: 'jdbc:postgresql://db1.internal:5432/app1' });
    expect(second).toBe(first);
    expect(fake.callCount('GetSecretValue')).toBe(1);
    expect(SecretManager.cacheKey('postgres', 'prod/pg')).toBe('POSTGRES_prod/pg');
    // The same secret read as another database type is another cache entry.
    fake.putSecret('shared', { username: 'u', password: password('x'), url: 'jdbc:redshift://rs:5439/dw' });
    await manager.getValueForSecret({ dbType: 'REDSHIFT', Secret: 'shared' });
    await manager.getValueForSecret({ dbType: 'POSTGRES', Secret: 'shared' });
    expect(fake.callCount('GetSecretValue')).toBe(3);
  });

  test('100 concurrent first calls make one request', async () => {
    fake.putSecret('hot', rdsSecret(2));
    fake.inject({ kind: 'delay', ms: 50 });
    const manager = new SecretManager();
    const results = await Promise.all(Array.from({ length: 100 }, () => manager.getValueForSecret({ dbType: 'POSTGRES', Secret: 'hot' })));
    expect(new Set(results).size).toBe(1);
    expect(fake.callCount('GetSecretValue')).toBe(1);
  });

  test('the region comes from AWS_REGION, else AWS_DEFAULT_REGION; neither is a typed error', async () => {
    fake.putSecret('r', rdsSecret(3));
    delete process.env.AWS_REGION;
    process.env.AWS_DEFAULT_REGION = 'eu-west-1';
    await expect(new SecretManager().getValueForSecret({ dbType: 'POSTGRES', Secret: 'r' })).resolves.toMatchObject({ user: 'user3' });
    delete process.env.AWS_DEFAULT_REGION;
    await expect(new SecretManager().getValueForSecret({ dbType: 'POSTGRES', Secret: 'r' })).rejects.toBeInstanceOf(MissingRegionError);
    // As the SDK resolves it: a profile's region in the shared config file counts too.
    const dir = mkdtempSync(join(tmpdir(), 'aws-config-'));
    writeFileSync(join(dir, 'config'), '[default]\nregion = eu-central-1\n');
    const saved = process.env.AWS_CONFIG_FILE;
    process.env.AWS_CONFIG_FILE = join(dir, 'config');
    try {
      let asked: string | undefined;
      const manager = new SecretManager({ clientForRegion: (region) => ((asked = region), secretsManagerClient(region)) });
      await expect(manager.getValueForSecret({ dbType: 'POSTGRES', Secret: 'r' })).resolves.toMatchObject({ user: 'user3' });
      expect(asked).toBe('eu-central-1');
    } finally {
      process.env.AWS_CONFIG_FILE = saved;
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a missing Secret or dbType, or an unknown type, is a typed error before any request', async () => {
    const manager = new SecretManager();
    await expect(manager.getValueForSecret({ dbType: 'POSTGRES' })).rejects.toEqual(new MissingSecretKeyError('Secret'));
    await expect(manager.getValueForSecret({ Secret: 's' })).rejects.toBeInstanceOf(MissingSecretKeyError);
    await expect(manager.getValueForSecret({ dbType: 'DB2', Secret: 's' })).rejects.toBeInstanceOf(UnknownDatabaseTypeError);
    expect(fake.callCount()).toBe(0);
  });

  test('an AWS failure keeps the AWS error name and cause, and names the secret', async () => {
    const error = await new SecretManager().getValueForSecret({ dbType: 'POSTGRES', Secret: 'absent' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretsManagerRequestError);
    expect(error).toMatchObject({ secretName: 'absent', awsErrorName: 'ResourceNotFoundException' });
    expect((error as Error).cause).toMatchObject({ name: 'ResourceNotFoundException' });
  });

  test("throttling is retried by the SDK's own retry strategy", async () => {
    fake.putSecret('t', rdsSecret(4));
    fake.inject({ kind: 'throttle', times: 1 });
    await expect(new SecretManager().getValueForSecret({ dbType: 'POSTGRES', Secret: 't' })).resolves.toMatchObject({ user: 'user4' });
    expect(fake.callCount('GetSecretValue')).toBe(2);
  });

  test('after the TTL, a failing refresh serves the stale value with a warning; it recovers later', async () => {
    fake.putSecret('stale', rdsSecret(5));
    let now = 0;
    const manager = new SecretManager({ ttlSeconds: 60, now: () => now });
    await manager.getValueForSecret({ dbType: 'POSTGRES', Secret: 'stale' });
    now = 61_000;
    fake.inject({ kind: 'server-error', times: 3 }); // the SDK's three attempts all fail
    await expect(manager.getValueForSecret({ dbType: 'POSTGRES', Secret: 'stale' })).resolves.toMatchObject({ user: 'user5' });
    expect(capturedLogs().some((l) => l.level === 'WARN' && String(l.message).includes('serving the cached value') && l.cacheKey === 'POSTGRES_stale')).toBe(true);
    fake.putSecret('stale', { ...rdsSecret(5), username: 'rotated' });
    now = 200_000;
    await expect(manager.getValueForSecret({ dbType: 'POSTGRES', Secret: 'stale' })).resolves.toMatchObject({ user: 'rotated' });
  });

  test('invalidate forgets one secret and the next read fetches it', async () => {
    fake.putSecret('inv', rdsSecret(6));
    const manager = new SecretManager();
    await manager.getValueForSecret({ dbType: 'POSTGRES', Secret: 'inv' });
    manager.invalidate('postgres', 'inv');
    await manager.getValueForSecret({ dbType: 'POSTGRES', Secret: 'inv' });
    expect(fake.callCount('GetSecretValue')).toBe(2);
  });
});

describe('extractValueForSecret', () => {
  test('always fetches, parses and caches under the upper-cased key', async () => {
    fake.putSecret('x', rdsSecret(7));
    const manager = new SecretManager();
    await manager.extractValueForSecret('postgres', 'us-east-1', 'x');
    fake.putSecret('x', { ...rdsSecret(7), username: 'newer' });
    await expect(manager.extractValueForSecret('postgres', 'us-east-1', 'x')).resolves.toMatchObject({ user: 'newer' });
    await expect(manager.getValueForSecret({ dbType: 'POSTGRES', Secret: 'x' })).resolves.toMatchObject({ user: 'newer' });
    expect(fake.callCount('GetSecretValue')).toBe(2);
  });
});

describe('initializeSecretConnections', () => {
  const list = (n: number) => Array.from({ length: n }, (_, i) => ({ Secret: `bulk/${i}`, dbType: i % 2 ? 'POSTGRES' : 'redshift' }));

  test('50 secrets load with 3 BatchGetSecretValue calls, then every read is a cache hit', async () => {
    list(50).forEach((s, i) => fake.putSecret(s.Secret, { username: `u${i}`, password: password(i), hosturl: `jdbc:postgresql://h${i}:5432/d` }));
    const manager = new SecretManager();
    await manager.initializeSecretConnections(list(50), 'us-east-1');
    expect(fake.callCount('BatchGetSecretValue')).toBe(3);
    expect(fake.calls.map((c) => c.secretIds.length).sort((a, b) => a - b)).toEqual([10, 20, 20]);
    for (const [i, s] of list(50).entries()) {
      await expect(manager.getValueForSecret(s)).resolves.toMatchObject({ user: `u${i}`, host: `h${i}` });
    }
    expect(fake.callCount()).toBe(3);
    // Already fresh: preloading again makes no call.
    await manager.initializeSecretConnections(list(50), 'us-east-1');
    expect(fake.callCount()).toBe(3);
  });

  test('the chunks are fetched in parallel, not one after another', async () => {
    list(40).forEach((s, i) => fake.putSecret(s.Secret, { username: `u${i}`, password: password(i) }));
    fake.inject({ kind: 'delay', ms: 300, operation: 'BatchGetSecretValue', times: 2 });
    const started = Date.now();
    await new SecretManager().initializeSecretConnections(list(40), 'us-east-1');
    expect(Date.now() - started).toBeLessThan(550);
  });

  test('where the batch call is refused, it falls back to one GetSecretValue per secret', async () => {
    list(5).forEach((s, i) => fake.putSecret(s.Secret, { username: `u${i}`, password: password(i) }));
    fake.refuseBatch = true;
    const manager = new SecretManager();
    await manager.initializeSecretConnections(list(5), 'us-east-1');
    expect(fake.callCount('BatchGetSecretValue')).toBe(1);
    expect(fake.callCount('GetSecretValue')).toBe(5);
    await expect(manager.getValueForSecret(list(5)[3]!)).resolves.toMatchObject({ user: 'u3' });
  });

  test('failures are reported by secret name; the rest stay cached', async () => {
    fake.putSecret('ok/1', { username: 'a', password: password('a') });
    fake.putSecret('bad/json', '{not json');
    const manager = new SecretManager();
    const error = await manager
      .initializeSecretConnections(
        [
          { Secret: 'ok/1', dbType: 'POSTGRES' },
          { Secret: 'missing/1', dbType: 'POSTGRES' },
          { Secret: 'bad/json', dbType: 'MYSQL' },
        ],
        'us-east-1',
      )
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SecretPreloadError);
    const failures = (error as SecretPreloadError).failures.map((f) => [f.secretName, f.error.name]);
    expect(failures).toEqual([
      ['missing/1', 'SecretsManagerRequestError'],
      ['bad/json', 'InvalidSecretJsonError'],
    ]);
    expect((error as Error).message).toContain('missing/1');
    await manager.getValueForSecret({ Secret: 'ok/1', dbType: 'POSTGRES' });
    expect(fake.callCount()).toBe(1);
  });

  test('an entry without Secret or dbType is a typed error naming the entry, before any request', async () => {
    const manager = new SecretManager();
    await expect(manager.initializeSecretConnections([{ Secret: 'a', dbType: 'POSTGRES' }, { Secret: 'b' }], 'us-east-1')).rejects.toThrow(/entry #1 is missing the required key "dbType"/);
    await expect(manager.initializeSecretConnections([{ dbType: 'MYSQL' }], 'us-east-1')).rejects.toThrow(/entry #0 is missing the required key "Secret"/);
    expect(fake.callCount()).toBe(0);
  });
});
