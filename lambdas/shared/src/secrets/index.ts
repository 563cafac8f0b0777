export { SecretManager, DEFAULT_SECRET_TTL_SECONDS, type SecretInfo, type SecretManagerOptions } from './SecretManager';
export type { ConnectionOptions } from './connectionOptions';
export { DB_TYPES, SUPPORTED_DB_TYPES, toDbType, type DbType, type DbTypeSpec } from './dbTypes';
export { parseSecretString } from './parseSecret';
export { SecretCache, type CacheOptions } from './cache';
export { secretsManagerClient } from './client';
export { REGION_VARIABLES, regionFrom, type RegionVariable } from './region';
export * from './errors';
