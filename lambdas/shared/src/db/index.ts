/**
 * `@lambdas/shared/db`: the database layer beyond what a handler needs: pool options and time
 * limits, error classification, and the lifecycle for scripts and tests.
 */
export { API_STATEMENT_TIMEOUT_MS, LAMBDA_POOL, baseSequelizeOptions, connectionDialectOptions, credentialOptions, dbTimeouts, retireOpenConnections, serverTimeLimits, sslOptions, stampConnection, validateConnection } from './options';
export { isAuthFailure, isConnectionFailure, isQueryTimeout, isTimeout } from './errors';
export { remainingInvocationMs, withInvocationDeadline } from './invocation';
export { isDatabaseUnavailable } from './unavailable';
export { closeDatabase, connectToDatabase, databaseStatus, discardIdleConnections } from './connection';
export { retryRead, writeTransaction } from './retry';
export { getSequelize } from './sequelize';
export { isBroken, pgDriver } from './pgDriver';
