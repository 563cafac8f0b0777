/** Connection info that the global setup hands to every jest worker through the environment. */
import type { PgTarget } from '../tools/localPostgres';

export type ServerRole = 'MAIN' | 'AUTH';

/**
 * MAIN: the PostgreSQL named in `.env` (or `.env.example`), or an embedded one when none answers.
 * AUTH: always a password-checking (scram-sha-256) embedded server, for authentication and rotation
 * tests — a trust-auth server accepts any password and would prove nothing.
 */
export function serverFromEnv(role: ServerRole): PgTarget {
  const read = (name: string): string => {
    const value = process.env[`TEST_PG_${role}_${name}`];
    if (value === undefined) throw new Error(`TEST_PG_${role}_${name} is not set: run the tests through jest (its global setup starts the servers)`);
    return value;
  };
  return { host: read('HOST'), port: Number(read('PORT')), user: read('USER'), password: read('PASSWORD') };
}

export function serverToEnv(role: ServerRole, target: PgTarget): void {
  process.env[`TEST_PG_${role}_HOST`] = target.host;
  process.env[`TEST_PG_${role}_PORT`] = String(target.port);
  process.env[`TEST_PG_${role}_USER`] = target.user;
  process.env[`TEST_PG_${role}_PASSWORD`] = target.password;
}
