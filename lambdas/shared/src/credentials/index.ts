export { credentialsSecretName, getDbCredentials, getDbCredentialsForStage, readSecretStage, resetSecretManagerForTests, secretManager } from './getDbCredentials';
export { CredentialsUnavailableError } from './errors';
export { MAX_SEARCH_PASSES, NoWorkingCredentialsError, SEARCH_ORDER, SearchBackoff, searchCredentials, type SearchPorts, type SearchResult } from './rotationSearch';
export type { CredentialsSource, DbCredentials, SecretStage } from './types';
