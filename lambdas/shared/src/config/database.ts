/**
 * The step guides' `getDatabaseConfig()`: complete Sequelize options for a connection made outside
 * the shared instance (a script, a one-off client). Pool sizing, time limits and TLS are defined in
 * `db/options.ts`; the credentials come from `getDbCredentials()`.
 */
import type { Options } from 'sequelize';
import { getDbCredentials } from '../credentials/getDbCredentials';
import { baseSequelizeOptions, connectionDialectOptions, credentialOptions } from '../db/options';

/** Complete Sequelize options: the Lambda defaults plus the credentials of `getDbCredentials()`. */
export async function getDatabaseConfig(): Promise<Options> {
  const base = baseSequelizeOptions();
  return { ...base, dialectOptions: { ...base.dialectOptions, ...connectionDialectOptions() }, ...credentialOptions(await getDbCredentials()) };
}
