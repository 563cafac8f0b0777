import * as z from '../zod';
import type { ConnectionOptions } from './connectionOptions';
import { DB_TYPES, type DbType } from './dbTypes';
import { InvalidSecretJsonError, MissingSecretFieldError } from './errors';

const text = z.string().check(z.trim(), z.minLength(1));
const port = z.pipe(
  z.union([z.number().check(z.int()), z.pipe(z.string().check(z.trim(), z.regex(/^\d+$/)), z.transform(Number))]),
  z.number().check(z.int(), z.minimum(1), z.maximum(65535)),
);

/**
 * Both secret shapes in one schema: the seed's `{ username|user, password, hosturl|url, driver, jars }`
 * and AWS's standard RDS/Redshift secret `{ engine, host, port, dbname, username, password }`.
 * Unknown keys (AWS adds e.g. `dbInstanceIdentifier`) are ignored.
 */
const secretSchema = z.object({
  username: z.optional(text),
  user: z.optional(text),
  password: z.optional(z.string().check(z.minLength(1))),
  hosturl: z.optional(text),
  url: z.optional(text),
  driver: z.optional(text),
  jars: z.optional(z.string()),
  engine: z.optional(text),
  host: z.optional(text),
  port: z.optional(port),
  dbname: z.optional(text),
});

interface Location {
  host: string;
  port: number;
  database: string | undefined;
}

/** Splits `jdbc:<scheme>://host[:port][/database][?params]` (the `jdbc:` prefix is optional). */
function parseUrl(secretName: string, field: string, url: string, defaultPort: number): Location {
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/^jdbc:/i, ''));
  } catch {
    throw new MissingSecretFieldError(secretName, field, 'is not a valid database URL');
  }
  if (!parsed.hostname) throw new MissingSecretFieldError(secretName, field, 'has no host');
  let database: string | undefined;
  try {
    database = decodeURIComponent(parsed.pathname.replace(/^\//, '')) || undefined;
  } catch {
    throw new MissingSecretFieldError(secretName, field, 'has a malformed database name');
  }
  const port = parsed.port ? Number(parsed.port) : defaultPort;
  if (port < 1 || port > 65_535) throw new MissingSecretFieldError(secretName, field, 'has an invalid port');
  return { host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'), port, database };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Turns a secret's `SecretString` into `ConnectionOptions` for `dbType`. Every failure is a typed
 * error naming the secret and the field; no message ever quotes a value from the secret.
 */
export function parseSecretString(secretName: string, dbType: DbType, secretString: string | undefined): ConnectionOptions {
  if (secretString === undefined) throw new InvalidSecretJsonError(secretName, 'has no SecretString (binary secrets are not supported)');
  let json: unknown;
  try {
    json = JSON.parse(secretString);
  } catch {
    throw new InvalidSecretJsonError(secretName, 'is not valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new InvalidSecretJsonError(secretName, 'is not a JSON object');

  const result = secretSchema.safeParse(json);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new MissingSecretFieldError(secretName, String(issue?.path[0] ?? '?'), `is invalid (${issue?.code ?? 'bad value'})`);
  }
  const secret = result.data;
  const spec = DB_TYPES[dbType];

  const user = secret.username ?? secret.user;
  if (user === undefined) throw new MissingSecretFieldError(secretName, 'username');
  if (secret.password === undefined) throw new MissingSecretFieldError(secretName, 'password');
  if (secret.engine !== undefined && !(spec.engines as readonly string[]).includes(secret.engine.toLowerCase())) {
    throw new MissingSecretFieldError(secretName, 'engine', `does not belong to database type ${dbType}`);
  }

  const urlField = secret.hosturl !== undefined ? 'hosturl' : 'url';
  const givenUrl = secret.hosturl ?? secret.url;
  let location: Location | undefined;
  let url: string | undefined;
  if (givenUrl !== undefined) {
    location = parseUrl(secretName, urlField, givenUrl, spec.defaultPort);
    url = givenUrl;
  } else if (secret.host !== undefined) {
    location = { host: secret.host, port: secret.port ?? spec.defaultPort, database: secret.dbname };
    url = `jdbc:${spec.scheme}://${formatHost(location.host)}:${location.port}/${location.database === undefined ? '' : encodeURIComponent(location.database)}`;
  }
  // AWS's shape may carry the database beside a URL-less host; an explicit dbname wins over none.
  const database = location?.database ?? secret.dbname;

  return {
    dbType,
    url,
    user,
    password: secret.password,
    driver: secret.driver ?? spec.driver,
    jars: secret.jars,
    host: location?.host,
    port: location?.port ?? secret.port,
    database,
  };
}
