/**
 * The step guides' `env.ts`: the validated environment (`config/variables.ts`: `ENV_SCHEMA`, `env`,
 * the one `.env` reader) and `getDbCredentials()` (`credentials/getDbCredentials.ts`: which source
 * the database credentials come from, `.env` or Secrets Manager).
 */
export * from './variables';
export { getDbCredentials } from '../credentials/getDbCredentials';
