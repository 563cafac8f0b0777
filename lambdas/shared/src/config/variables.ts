/**
 * The functions' environment: every variable's name, validation and default (`ENV_SCHEMA`), the
 * validated `env`, and the one `.env` reader. `config/env.ts` re-exports it with `getDbCredentials`
 * (the step guides' entry point); the package's own modules import this file, so the data flows one
 * way: credentials/ reads the environment, never the reverse.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import * as z from '../zod';
import { EnvVarError } from './errors';

const flag = z.pipe(
  z.enum(['true', 'false', '1', '0', 'yes', 'no', 'on', 'off'], { error: 'must be true or false' }),
  z.transform((value) => ['true', '1', 'yes', 'on'].includes(value)),
);
const text = z.string().check(z.minLength(1));

/**
 * Every environment variable the functions read, with its validation and documented default.
 * This object is the single source of truth for the names: the Amplify backend, the local server,
 * `.env.example` tests and the docs all derive from it.
 */
export const ENV_SCHEMA = {
  /** `production` switches credentials to Secrets Manager (when DB_SECRET_NAME is set) and skips `.env`. */
  NODE_ENV: z._default(z.enum(['development', 'test', 'production']), 'development'),
  DB_HOST: z._default(text, '127.0.0.1'),
  DB_PORT: z._default(z.coerce.number({ error: 'must be a port number' }).check(z.int(), z.minimum(1), z.maximum(65535)), 5432),
  DB_NAME: text,
  DB_USER: text,
  /** Development only; in production it is read solely as the fallback when Secrets Manager fails. */
  DB_PASSWORD: z.optional(z.string()),
  DB_SECRET_NAME: z.optional(text),
  /**
   * How the functions prove who they are: `password` (DB_PASSWORD, or the secret in production) or
   * `iam` (an IAM authentication token signed for DB_USER, DB_HOST and DB_PORT with the function's
   * role; needs DB_SSL=true and no DB_SECRET_NAME).
   */
  DB_AUTH: z._default(z.enum(['password', 'iam'], { error: 'must be password or iam' }), 'password'),
  /** TLS to the database with certificate verification. */
  DB_SSL: z._default(flag, false),
  /** PEM bundle to trust for DB_SSL (e.g. Amazon RDS's global bundle); Node's default CAs otherwise. */
  DB_SSL_CA_FILE: z.optional(text),
  /**
   * PostgreSQL's statement_timeout for this function's connections. 5 s suits the API (below its
   * 10-15 s function timeouts); the migrate function sets minutes for DDL and lock waits.
   */
  DB_STATEMENT_TIMEOUT_MS: z._default(z.coerce.number({ error: 'must be a number of milliseconds' }).check(z.int(), z.minimum(100)), 5_000),
  /**
   * `transaction` when the functions connect through a transaction pooler (PgBouncer in transaction
   * mode; RDS Proxy pins a connection on the same things): nothing is sent per connection that such
   * a pooler refuses (startup parameters beyond its own) or that would outlive the transaction on
   * its server connection; the time limits are then the database role's (`ALTER ROLE … SET`).
   */
  DB_POOLER: z._default(z.enum(['none', 'transaction'], { error: 'must be none or transaction' }), 'none'),
  /**
   * The migrate function only: the least-privileged role the migrations create (or bring in line)
   * for the API functions, which connect as it. Unset: no such role (one user for everything).
   */
  DB_APP_USER: z.optional(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, { error: 'must be a plain PostgreSQL identifier' }))),
  /**
   * The migrate function only: the secret holding DB_APP_USER's password (the role gets its SCRAM
   * verifier). Unset with DB_APP_USER: the role authenticates with IAM only (`rds_iam`).
   */
  DB_APP_SECRET_NAME: z.optional(text),
  /** Log each SQL statement at debug level. Off by default: Sequelize inlines values into the SQL. */
  DB_LOG_SQL: z._default(flag, false),
  /** How long a fetched secret is trusted before a refresh (jittered by up to 10% downwards). */
  SECRETS_CACHE_TTL_SECONDS: z._default(z.coerce.number({ error: 'must be a number of seconds' }).check(z.minimum(0)), 300),
  AWS_REGION: z.optional(text),
  AWS_DEFAULT_REGION: z.optional(text),
} as const;

export type EnvName = keyof typeof ENV_SCHEMA;
export const ENV_NAMES = Object.keys(ENV_SCHEMA) as EnvName[];
export type Env = { readonly [K in EnvName]: z.output<(typeof ENV_SCHEMA)[K]> };

const WORKSPACE_MARKER = 'pnpm-workspace.yaml';
let dotenvLoaded = false;

/** The monorepo root, found by walking up from the working directory (a function package, the root, jest). */
export function findRepositoryRoot(start = process.cwd()): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, WORKSPACE_MARKER))) return dir;
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The one `.env` reader: `<root>/.env`, or, with `orExample`, `.env.example` before the user has
 * created a `.env` (the scripts and tests run on its defaults). Parsed, not applied: `values` and
 * the file they came from.
 */
export function readDotenv(root: string, options: { orExample?: boolean } = {}): { file: string | undefined; values: Record<string, string> } {
  const candidates = [join(root, '.env'), ...(options.orExample ? [join(root, '.env.example')] : [])];
  const file = candidates.find((candidate) => existsSync(candidate));
  return { file, values: file === undefined ? {} : parseDotenv(readFileSync(file)) };
}

/** `readDotenv` into `process.env`, never overriding a variable the process already has. Returns the file used. */
export function loadDotenv(root: string, options: { orExample?: boolean } = {}): string | undefined {
  const { file, values } = readDotenv(root, options);
  for (const [name, value] of Object.entries(values)) if (process.env[name] === undefined) process.env[name] = value;
  return file;
}

/**
 * Outside production, load `<repo>/.env` once. Variables already set in the process win, so a test
 * or a shell export can override the file. A Lambda never reads a file: production skips this.
 */
function ensureDotenv(): void {
  if (dotenvLoaded) return;
  dotenvLoaded = true;
  if (process.env.NODE_ENV === 'production') return;
  const root = findRepositoryRoot();
  if (root) loadDotenv(root);
}

function readVariable<K extends EnvName>(name: K): Env[K] {
  ensureDotenv();
  const raw = process.env[name];
  // An empty assignment (`DB_SSL=`) means "not set", as it does for most tools.
  const result = ENV_SCHEMA[name].safeParse(raw === '' ? undefined : raw);
  if (!result.success) {
    const problem = raw === undefined || raw === '' ? 'is required but not set' : `is invalid: ${result.error.issues[0]?.message ?? 'bad value'}`;
    throw new EnvVarError(name, problem);
  }
  return result.data as Env[K];
}

/**
 * The validated environment. Each property is read and checked when it is first needed (not at
 * import), so a module can be imported where the database variables are absent, and a missing or
 * malformed variable fails with an `EnvVarError` naming it at the moment it matters.
 */
export const env: Env = Object.defineProperties(
  {},
  Object.fromEntries(ENV_NAMES.map((name) => [name, { enumerable: true, get: () => readVariable(name) }])),
) as Env;

/** A variable's value without validation: `undefined` when unset or invalid. For best-effort defaults. */
export function peekEnv<K extends EnvName>(name: K): Env[K] | undefined {
  try {
    return readVariable(name);
  } catch {
    return undefined;
  }
}

export const isProduction = (): boolean => env.NODE_ENV === 'production';

/** Test hook: forget that `.env` was loaded (it is re-read on the next access). */
export function resetEnvForTests(): void {
  dotenvLoaded = false;
}
