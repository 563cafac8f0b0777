/**
 * "A new Lambda container" inside one test process: the shared package's per-container state
 * (pool, fetched credentials, secret cache, Secrets Manager clients, loaded .env) is forgotten and the environment replaced.
 */
import { closeDatabase } from '@lambdas/shared';
import { resetCredentialsForTests, resetEnvForTests, resetSecretManagerForTests, resetSecretsManagerClientsForTests } from '@lambdas/shared/testing';

// Importing the shared package may already have loaded a developer's .env: containers start without DB_*.
const baseline = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DB_')));

export async function coldStart(env: Record<string, string>): Promise<void> {
  await closeDatabase();
  resetCredentialsForTests();
  resetSecretManagerForTests();
  resetSecretsManagerClientsForTests();
  resetEnvForTests();
  process.env = { ...baseline, ...env };
}

/** Puts the environment back as it was before the first `coldStart` (call in `afterAll`). */
export async function restoreEnvironment(): Promise<void> {
  await closeDatabase();
  process.env = { ...baseline };
  resetEnvForTests();
}
