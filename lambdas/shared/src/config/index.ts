/** `@lambdas/shared/env`: the functions' environment (names, validation, defaults) and the one `.env` reader. */
export { ENV_NAMES, ENV_SCHEMA, env, findRepositoryRoot, isProduction, loadDotenv, peekEnv, readDotenv, type Env, type EnvName } from './variables';
export { ConfigError, EnvVarError } from './errors';
