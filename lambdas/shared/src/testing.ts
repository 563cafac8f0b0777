/**
 * `@lambdas/shared/testing`: hooks that put a process back in the state of a new Lambda container.
 * Never imported by runtime code.
 */
export { resetCredentialsForTests, discardIdleConnections } from './db/connection';
export { resetEnvForTests } from './config/variables';
export { resetSecretManagerForTests } from './credentials/getDbCredentials';
export { resetSecretsManagerClientsForTests } from './secrets/client';
