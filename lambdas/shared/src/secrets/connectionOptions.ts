import type { DbType } from './dbTypes';

/**
 * What `getValueForSecret` returns: the seed's `{ url, user, password, driver, jars }` for a
 * JDBC-style consumer, plus the parts of the URL (`host`, `port`, `database`) for Sequelize or pg.
 *
 * `url` (and so `host`/`port`/`database`) is undefined when the secret holds credentials only;
 * the consumer then supplies the location itself (as `getDbCredentials` does from `DB_*`).
 */
export interface ConnectionOptions {
  readonly dbType: DbType;
  readonly url: string | undefined;
  readonly user: string;
  readonly password: string;
  readonly driver: string;
  readonly jars: string | undefined;
  readonly host: string | undefined;
  readonly port: number | undefined;
  readonly database: string | undefined;
}
