/**
 * The statement timeout migrations run under, in place of the API's 5 s: DDL on a large table, and
 * the wait for a concurrent run's advisory lock, may take minutes. Just under the deployed
 * function's 300 s timeout; `pnpm db:migrate` uses it too. (No imports: the Amplify backend reads it.)
 */
export const MIGRATION_STATEMENT_TIMEOUT_MS = 280_000;
