import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { withInvocationDeadline } from '../db/invocation';
import { logger } from '../logger';
import { ROUTES, findRoute, type FunctionName } from '../api/routes';
import { MethodNotAllowedError, NotFoundError } from './errors';
import { operationFor, type OperationInput, type OperationKey, type OperationSpec } from '../api/operations';
import { readJsonBody, validate } from './request';
import { toErrorResponse, type HttpResult } from './responses';

/** An API Gateway HTTP API (payload format 2.0) Lambda handler. */
export type HttpHandler = (event: APIGatewayProxyEventV2, context: Context) => Promise<HttpResult>;

export type RouteHandler<K extends OperationKey> = (input: OperationInput<K>, event: APIGatewayProxyEventV2) => Promise<HttpResult>;

/** One implementation per route key of the function. */
export type RouteHandlers<K extends OperationKey> = { readonly [P in K]: RouteHandler<P> };

interface Resolved {
  key: OperationKey;
  pathParameters: Record<string, string>;
}

/**
 * Which of this function's routes the event is for. API Gateway names it in `routeKey`; when the
 * integration is a catch-all (`$default`, `ANY /…`), the method and path decide, as they do locally.
 */
function resolveRoute(functionName: FunctionName, implemented: ReadonlySet<string>, event: APIGatewayProxyEventV2): Resolved {
  const method = event.requestContext.http.method;
  if (implemented.has(event.routeKey)) return { key: event.routeKey as OperationKey, pathParameters: event.pathParameters as Record<string, string> };
  const match = findRoute(method, event.rawPath, ROUTES.filter((route) => route.function === functionName));
  if (match.kind === 'method_not_allowed') throw new MethodNotAllowedError(method, match.allow);
  if (match.kind === 'not_found' || !implemented.has(match.routeKey)) throw NotFoundError.noRoute(method, event.rawPath);
  return { key: match.routeKey as OperationKey, pathParameters: match.pathParameters };
}

/** Validates path, query and body against the operation's schemas, in that order. */
function parseInput(operation: OperationSpec, event: APIGatewayProxyEventV2, pathParameters: Record<string, string>): OperationInput<OperationKey> {
  const params = operation.params ? validate(operation.params, 'path', pathParameters ?? {}) : undefined;
  const query = operation.query ? validate(operation.query, 'query', event.queryStringParameters ?? {}) : undefined;
  const body = operation.body ? validate(operation.body, 'body', readJsonBody(event)) : undefined;
  return { params, query, body } as OperationInput<OperationKey>;
}

/**
 * Builds a function's Lambda handler from its route implementations. Per invocation it:
 * - tags every log line with the Lambda context (function name, request id, cold start) and route;
 * - validates the request with the route's schemas (`operations.ts`) before the implementation runs;
 * - turns every thrown error into a JSON error response (`toErrorResponse`): no stack, no SQL;
 * - logs one `Request completed` line with the status and the duration.
 */
export function createHttpHandler<K extends OperationKey>(functionName: FunctionName, routes: RouteHandlers<K>): HttpHandler {
  const implemented = new Set<string>(Object.keys(routes));
  const table = routes as unknown as Record<string, RouteHandler<OperationKey>>;
  return async (event, context) => {
    const started = performance.now();
    logger.addContext(context);
    logger.appendKeys({ routeKey: event.routeKey, method: event.requestContext.http.method, path: event.rawPath });
    let result: HttpResult;
    try {
      const { key, pathParameters } = resolveRoute(functionName, implemented, event);
      const operation = operationFor(key);
      const implementation = table[key];
      if (operation === undefined || implementation === undefined) throw new NotFoundError(`No route for ${key}`);
      result = await withInvocationDeadline(context, () => implementation(parseInput(operation, event, pathParameters), event));
    } catch (error) {
      result = toErrorResponse(error);
    }
    logger.info('Request completed', { statusCode: result.statusCode, durationMs: Math.round((performance.now() - started) * 100) / 100 });
    logger.resetKeys();
    return result;
  };
}
