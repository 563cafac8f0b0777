import fc from 'fast-check';
import { InvalidSecretJsonError, MissingSecretFieldError, parseSecretString, SecretManagerError, toDbType, UnknownDatabaseTypeError } from '../../src/secrets';

const PASSWORD = 'pa$$-w0rd-never-shown';

describe('the seed secret shape', () => {
  test('username/password/hosturl/driver/jars map to the seed result plus the parsed URL', () => {
    const secret = { username: 'svc', password: PASSWORD, hosturl: 'jdbc:postgresql://db.example.com:6543/sales?sslmode=require', driver: 'org.postgresql.Driver', jars: '/opt/pg.jar' };
    expect(parseSecretString('prod/pg', 'POSTGRES', JSON.stringify(secret))).toEqual({
      dbType: 'POSTGRES',
      url: secret.hosturl,
      user: 'svc',
      password: PASSWORD,
      driver: 'org.postgresql.Driver',
      jars: '/opt/pg.jar',
      host: 'db.example.com',
      port: 6543,
      database: 'sales',
    });
  });

  test('`user` and `url` are accepted in place of `username` and `hosturl`', () => {
    const parsed = parseSecretString('s', 'MYSQL', JSON.stringify({ user: 'root2', password: PASSWORD, url: 'jdbc:mysql://10.0.0.5/shop' }));
    expect(parsed).toMatchObject({ user: 'root2', url: 'jdbc:mysql://10.0.0.5/shop', host: '10.0.0.5', port: 3306, database: 'shop', driver: 'com.mysql.cj.jdbc.Driver', jars: undefined });
  });

  test('a URL without the jdbc: prefix and with an IPv6 host parses', () => {
    expect(parseSecretString('s', 'POSTGRES', JSON.stringify({ user: 'u', password: PASSWORD, url: 'postgresql://[::1]:5433/app' }))).toMatchObject({ host: '::1', port: 5433, database: 'app' });
  });

  test('credentials-only secrets are allowed: the location stays undefined for the caller to supply', () => {
    expect(parseSecretString('s', 'POSTGRES', JSON.stringify({ username: 'u', password: PASSWORD }))).toMatchObject({ url: undefined, host: undefined, port: undefined, database: undefined, driver: 'org.postgresql.Driver' });
  });
});

describe("AWS's standard RDS / Redshift secret shape", () => {
  test.each([
    ['POSTGRES', 'postgres', 5432, 'jdbc:postgresql://h.rds.amazonaws.com:5432/appdb', 'org.postgresql.Driver'],
    ['REDSHIFT', 'redshift', 5439, 'jdbc:redshift://h.rds.amazonaws.com:5439/appdb', 'com.amazon.redshift.jdbc42.Driver'],
    ['MYSQL', 'mariadb', 3306, 'jdbc:mysql://h.rds.amazonaws.com:3306/appdb', 'com.mysql.cj.jdbc.Driver'],
  ] as const)('%s: URL, driver and default port are derived', (dbType, engine, port, url, driver) => {
    const secret = { engine, host: 'h.rds.amazonaws.com', dbname: 'appdb', username: 'admin', password: PASSWORD, dbInstanceIdentifier: 'db-1' };
    expect(parseSecretString('rds', dbType, JSON.stringify(secret))).toEqual({ dbType, url, user: 'admin', password: PASSWORD, driver, jars: undefined, host: 'h.rds.amazonaws.com', port, database: 'appdb' });
  });

  test('an explicit port (number or numeric string) wins over the default', () => {
    expect(parseSecretString('s', 'POSTGRES', JSON.stringify({ host: 'h', port: '6000', username: 'u', password: PASSWORD })).port).toBe(6000);
    expect(parseSecretString('s', 'POSTGRES', JSON.stringify({ host: 'h', port: 6001, username: 'u', password: PASSWORD })).url).toBe('jdbc:postgresql://h:6001/');
  });

  test('an engine of another database type is a typed error', () => {
    expect(() => parseSecretString('s', 'POSTGRES', JSON.stringify({ engine: 'mysql', host: 'h', username: 'u', password: PASSWORD }))).toThrow(MissingSecretFieldError);
  });
});

describe('database types', () => {
  test('names are case-insensitive; unknown ones are a typed error', () => {
    expect(toDbType('postgres')).toBe('POSTGRES');
    expect(toDbType(' Redshift ')).toBe('REDSHIFT');
    expect(() => toDbType('oracle')).toThrow(UnknownDatabaseTypeError);
    expect(() => toDbType('oracle')).toThrow(/POSTGRES, REDSHIFT, MYSQL/);
  });
});

describe('bad secrets are typed errors that name the secret and field, never a value', () => {
  const cases: Array<[string, string | undefined, new (...args: never[]) => Error, RegExp]> = [
    ['no SecretString', undefined, InvalidSecretJsonError, /"s1" has no SecretString/],
    ['not JSON', `{"password":"${PASSWORD}"`, InvalidSecretJsonError, /"s1" is not valid JSON/],
    ['a JSON array', `["${PASSWORD}"]`, InvalidSecretJsonError, /not a JSON object/],
    ['no password', JSON.stringify({ username: 'u', hosturl: 'jdbc:postgresql://h/d' }), MissingSecretFieldError, /field "password" is missing/],
    ['no username', JSON.stringify({ password: PASSWORD }), MissingSecretFieldError, /field "username" is missing/],
    ['a numeric password', JSON.stringify({ username: 'u', password: 12345678 }), MissingSecretFieldError, /field "password" is invalid/],
    ['a bad URL', JSON.stringify({ username: 'u', password: PASSWORD, hosturl: `jdbc:postgresql://u:${PASSWORD}@` }), MissingSecretFieldError, /field "hosturl"/],
    ['a bad port', JSON.stringify({ username: 'u', password: PASSWORD, host: 'h', port: 70000 }), MissingSecretFieldError, /field "port" is invalid/],
    ['a URL whose database is a malformed escape', JSON.stringify({ username: 'u', password: PASSWORD, url: 'postgresql://h/%E0%A4%A' }), MissingSecretFieldError, /field "url" has a malformed database name/],
    ['a URL with port 0', JSON.stringify({ username: 'u', password: PASSWORD, url: 'postgresql://h:0/db' }), MissingSecretFieldError, /field "url" has an invalid port/],
  ];
  test.each(cases)('%s', (_label, input, type, message) => {
    let caught: unknown;
    try {
      parseSecretString('s1', 'POSTGRES', input);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(type);
    expect((caught as Error).message).toMatch(message);
    expect((caught as Error).message).not.toContain(PASSWORD);
  });

  test('fuzz: any string yields options or a SecretManagerError without the password in it', () => {
    const marker = 'Zq7-secret-marker';
    const values = fc.oneof(
      fc.string(),
      fc.json(),
      fc.record({
        username: fc.oneof(fc.string(), fc.integer(), fc.constant(null)),
        password: fc.constantFrom(marker, `${marker}"`, `${marker}\\`),
        hosturl: fc.oneof(
          fc.string(),
          fc.webUrl(),
          fc.constant(`jdbc:postgresql://x:${marker}@h/db`),
          fc.string().map((tail) => `jdbc:postgresql://h:${tail.length}/%${tail}`),
        ),
        port: fc.oneof(fc.integer(), fc.string()),
      }).map((o) => JSON.stringify(o)),
    );
    fc.assert(
      fc.property(values, fc.constantFrom('POSTGRES', 'REDSHIFT', 'MYSQL') as fc.Arbitrary<'POSTGRES' | 'REDSHIFT' | 'MYSQL'>, (raw, dbType) => {
        try {
          const result = parseSecretString('fuzz', dbType, raw);
          expect(typeof result.password).toBe('string');
        } catch (error) {
          expect(error).toBeInstanceOf(SecretManagerError);
          expect((error as Error).message).not.toContain(marker);
        }
      }),
      { numRuns: 2_000 },
    );
  });
});
