/**
 * Type tests of the public types (checked by `pnpm typecheck`, which compiles this file; jest runs
 * it too, where the assertions are no-ops). A change that loosens or breaks a public type fails here.
 */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { expectTypeOf } from 'expect-type';
import { createHttpHandler, json, type DbCredentials, type Env, type HttpHandler, type HttpResult, type OperationInput, type RouteHandler, type TodoDto } from '../../src';
import type { CursorPosition } from '../../src/api/cursor';
import type { ConnectionOptions } from '../../src/secrets';

test('operation inputs are the validated, parsed request parts of each route', () => {
  expectTypeOf<OperationInput<'GET /todos'>['query']>().toEqualTypeOf<{ limit: number; cursor?: CursorPosition | undefined }>();
  expectTypeOf<OperationInput<'GET /todos/{id}'>['params']>().toEqualTypeOf<{ id: string }>();
  expectTypeOf<OperationInput<'PATCH /todos/{id}'>['body']>().toEqualTypeOf<{ title?: string | undefined; completed?: boolean | undefined }>();
  expectTypeOf<OperationInput<'POST /todos'>['body']>().toEqualTypeOf<{ title: string; completed?: boolean | undefined }>();
  expectTypeOf<OperationInput<'GET /health'>['body']>().toEqualTypeOf<undefined>();
});

test('route handlers: the input of their route and the raw event, a result with a status code', () => {
  expectTypeOf<RouteHandler<'DELETE /todos/{id}'>>().parameters.toEqualTypeOf<[OperationInput<'DELETE /todos/{id}'>, APIGatewayProxyEventV2]>();
  expectTypeOf<RouteHandler<'DELETE /todos/{id}'>>().returns.toEqualTypeOf<Promise<HttpResult>>();
  expectTypeOf<HttpResult['statusCode']>().toEqualTypeOf<number>();
  const handler = createHttpHandler('health', { 'GET /health': async () => json(200, {}) });
  expectTypeOf(handler).toEqualTypeOf<HttpHandler>();
  // A route key the API does not have, or an input field the route does not take, does not compile.
  // @ts-expect-error 'GET /nowhere' is not a route of the manifest
  createHttpHandler('todos', { 'GET /nowhere': async () => json(200, {}) });
  // @ts-expect-error GET /todos/{id} has no body
  createHttpHandler('todos', { 'GET /todos/{id}': async ({ body }) => json(200, body.title) });
});

test('Env: every variable parsed to its type', () => {
  expectTypeOf<Env['DB_PORT']>().toEqualTypeOf<number>();
  expectTypeOf<Env['DB_SSL']>().toEqualTypeOf<boolean>();
  expectTypeOf<Env['NODE_ENV']>().toEqualTypeOf<'development' | 'test' | 'production'>();
  expectTypeOf<Env['DB_PASSWORD']>().toEqualTypeOf<string | undefined>();
  expectTypeOf<Env['DB_NAME']>().toEqualTypeOf<string>();
  expectTypeOf<Env['DB_AUTH']>().toEqualTypeOf<'password' | 'iam'>();
  expectTypeOf<Env>().toHaveProperty('SECRETS_CACHE_TTL_SECONDS').toEqualTypeOf<number>();
});

test('one credentials record from the secret to the driver: the same field names', () => {
  expectTypeOf<DbCredentials>().toEqualTypeOf<{
    readonly host: string;
    readonly port: number;
    readonly database: string;
    readonly user: string;
    readonly password: string;
    readonly source: 'env' | 'secrets-manager' | 'iam';
  }>();
  // The secret's connection options name the same fields (optional where a secret may omit them).
  expectTypeOf<Pick<ConnectionOptions, 'user' | 'password'>>().toEqualTypeOf<Pick<DbCredentials, 'user' | 'password'>>();
  expectTypeOf<ConnectionOptions['host']>().toEqualTypeOf<string | undefined>();
  expectTypeOf<TodoDto>().toHaveProperty('id').toEqualTypeOf<string>();
});
