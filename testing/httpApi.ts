/**
 * Test helpers for the HTTP functions: real-shaped API Gateway HTTP API 2.0 events (built by the
 * same code the local server uses) and a migrated test database per test file.
 */
import { assertNoSecretIn } from './logCapture';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { lambdaContext, toHttpApiEvent } from '../scripts/localApi/apiGatewayEvent';
import { runMigrations } from '@lambdas/migrate/migrator';
import { createTestDatabase, type TestDatabase } from './db';
import { closeDatabase, connectToDatabase, type HttpResult } from '@lambdas/shared';
import { findRoute } from '@lambdas/shared/routes';
import { resetCredentialsForTests } from '@lambdas/shared/testing';

export interface EventOptions {
  body?: string | Buffer | object;
  headers?: Record<string, string>;
  /** Override what API Gateway would put in `routeKey` (e.g. `$default` for a catch-all integration). */
  routeKey?: string;
  /** Send the body as a binary content type: it arrives base64-encoded. */
  binary?: boolean;
}

/** The event API Gateway would send for `method url`, routed through the manifest. */
export function apiEvent(method: string, url: string, options: EventOptions = {}): APIGatewayProxyEventV2 {
  const path = url.split('?')[0] ?? '/';
  const match = findRoute(method, path);
  const routeKey = options.routeKey ?? (match.kind === 'matched' ? match.routeKey : '$default');
  const pathParameters = match.kind === 'matched' && options.routeKey === undefined ? match.pathParameters : {};
  const body =
    options.body === undefined ? Buffer.alloc(0) : Buffer.isBuffer(options.body) ? options.body : Buffer.from(typeof options.body === 'string' ? options.body : JSON.stringify(options.body));
  const headers = {
    host: 'api.local',
    'user-agent': 'jest',
    ...(body.length > 0 ? { 'content-type': options.binary ? 'application/octet-stream' : 'application/json' } : {}),
    ...options.headers,
  };
  return toHttpApiEvent({ method, url, headers, body, sourceIp: '127.0.0.1' }, { routeKey, pathParameters });
}

let invocations = 0;

/** A Lambda context with a fresh request id. */
export function testContext(functionName: string): Context {
  invocations += 1;
  return lambdaContext(functionName, `req-${invocations}-${Date.now()}`);
}

/** The JSON body of a handler's result, after checking it holds no registered password. */
export function parseBody<T = Record<string, unknown>>(result: HttpResult): T {
  assertNoSecretIn(result.body ?? '', 'a response body');
  return JSON.parse(result.body ?? '') as T;
}

/** Forget the current pool and credentials so the next `connectToDatabase()` uses the current env. */
export async function reconnectFromEnv(): Promise<void> {
  await closeDatabase();
  resetCredentialsForTests();
}

/**
 * A fresh database for this test file with the schema migrated, and DB_* pointing at it. Call at the
 * top level of a test file; the database is dropped after the file.
 */
export function useMigratedDatabase(): () => TestDatabase {
  let db: TestDatabase | undefined;
  beforeAll(async () => {
    db = await createTestDatabase();
    db.applyEnv();
    await reconnectFromEnv();
    await runMigrations(await connectToDatabase());
  });
  afterAll(async () => {
    await closeDatabase();
    await db?.drop();
  });
  return () => {
    if (!db) throw new Error('The test database is created in beforeAll');
    return db;
  };
}
