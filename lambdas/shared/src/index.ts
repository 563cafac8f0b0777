/**
 * `@lambdas/shared`: what a handler needs. Infrastructure and tools import the subpaths instead
 * (package.json `exports`): `/routes` and `/cors` (import-free), `/env`, `/secrets`, `/api`, `/db`,
 * and `/testing` for test hooks. `test/exports.test.ts` fails when any of these lists changes
 * unnoticed (the report is `lambdas/shared/api-report.json`).
 */

// Writing a handler: the framework, its errors and responses.
export { createHttpHandler, type HttpHandler, type RouteHandler, type RouteHandlers } from './http/handler';
export { json, noContent, toErrorResponse, internalError, type HttpResult } from './http/responses';
export { BadRequestError, HttpError, MethodNotAllowedError, NotFoundError, PreconditionFailedError, RETRY_AFTER_SECONDS, ServiceUnavailableError, type ErrorBody, type FieldIssue } from './http/errors';
export { MAX_BODY_BYTES } from './http/request';

// The API's contract, as handlers use it.
export { encodeCursor, type CursorPosition } from './api/cursor';
export { etagFor, expectedVersions, ifMatchOf, type IfMatch } from './api/etag';
export type { OperationInput, OperationKey } from './api/operations';
export type { CreateTodo, Health, HealthUnavailable, ListTodosQuery, TodoDto, TodoPage, UpdateTodo } from './api/schemas';
export { FUNCTION_NAMES, type FunctionName } from './api/routes';

// The database: connect, retry safely, models.
export { connectToDatabase, closeDatabase, databaseStatus } from './config/dbHelper';
export { getDatabaseConfig } from './config/database';
export { retryRead, writeTransaction } from './db/retry';
export { getSequelize, Todo, TODO_TITLE_MAX } from './models';
export { Op, QueryTypes, Sequelize, fn, literal, col } from 'sequelize';
export type { Transaction } from 'sequelize';

// Configuration and credentials (the step guides' names).
export { env, type Env } from './config/variables';
export { getDbCredentials } from './credentials/getDbCredentials';
export type { CredentialsSource, DbCredentials } from './credentials/types';
export { ConfigError, EnvVarError } from './config/errors';
export { CredentialsUnavailableError } from './credentials/errors';

export { logger, describeError } from './logger';
