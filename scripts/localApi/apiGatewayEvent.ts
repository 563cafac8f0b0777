/**
 * What API Gateway (HTTP API, Lambda payload format 2.0) hands a function, built from a Node HTTP
 * request, and what it makes of the function's answer. Follows
 * https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-develop-integrations-lambda.html
 */
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';

export interface IncomingRequest {
  method: string;
  /** The request target as received: path plus optional query string. */
  url: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  sourceIp: string;
}

export interface RouteTarget {
  routeKey: string;
  pathParameters: Record<string, string>;
}

/** Bodies API Gateway passes as text; any other content type arrives base64-encoded. */
function isTextContent(contentType: string | undefined): boolean {
  if (contentType === undefined) return true;
  const type = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  return type.startsWith('text/') || /^application\/(json|.+\+json|xml|.+\+xml|javascript|x-www-form-urlencoded)$/.test(type);
}

/** API Gateway's request time format: `25/Nov/2026:01:20:00 +0000`. */
function requestTime(date: Date): string {
  const month = date.toLocaleString('en-US', { month: 'short', timeZone: 'UTC' });
  const pad = (n: number): string => String(n).padStart(2, '0');
  return `${pad(date.getUTCDate())}/${month}/${date.getUTCFullYear()}:${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())} +0000`;
}

/** Header names lower-cased, repeated headers joined with commas; cookies travel separately. */
function eventHeaders(headers: IncomingHttpHeaders): Record<string, string> {
  const result = new Map<string, string>();
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined || name === 'cookie') continue;
    result.set(name.toLowerCase(), Array.isArray(value) ? value.join(',') : value);
  }
  // Built through a Map: names such as `__proto__` or `constructor` stay ordinary own properties.
  return Object.fromEntries(result);
}

/** Query parameters decoded, repeated names joined with commas (as API Gateway does). */
function queryParameters(search: URLSearchParams): Record<string, string> | undefined {
  // A Map, not `name in result`: `?constructor=x` must not find Object.prototype.constructor.
  const result = new Map<string, string>();
  for (const [name, value] of search) {
    const previous = result.get(name);
    result.set(name, previous === undefined ? value : `${previous},${value}`);
  }
  return result.size > 0 ? Object.fromEntries(result) : undefined;
}

export function toHttpApiEvent(request: IncomingRequest, target: RouteTarget, now = new Date()): APIGatewayProxyEventV2 {
  const queryIndex = request.url.indexOf('?');
  const rawPath = queryIndex === -1 ? request.url : request.url.slice(0, queryIndex);
  const rawQueryString = queryIndex === -1 ? '' : request.url.slice(queryIndex + 1);
  const headers = eventHeaders(request.headers);
  const cookieHeader = request.headers.cookie;
  const cookies = cookieHeader ? cookieHeader.split(';').map((c) => c.trim()).filter((c) => c.length > 0) : undefined;
  const text = isTextContent(headers['content-type']);
  const hasBody = request.body.length > 0;
  const queryStringParameters = queryParameters(new URLSearchParams(rawQueryString));
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: target.routeKey,
    rawPath,
    rawQueryString,
    headers,
    requestContext: {
      accountId: 'offline',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: (headers.host ?? 'localhost').split('.')[0] ?? 'localhost',
      http: {
        method: request.method.toUpperCase(),
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: request.sourceIp,
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: target.routeKey,
      stage: '$default',
      time: requestTime(now),
      timeEpoch: now.getTime(),
    },
    isBase64Encoded: hasBody && !text,
  };
  if (cookies) event.cookies = cookies;
  if (queryStringParameters) event.queryStringParameters = queryStringParameters;
  if (Object.keys(target.pathParameters).length > 0) event.pathParameters = { ...target.pathParameters };
  if (hasBody) event.body = text ? request.body.toString('utf8') : request.body.toString('base64');
  return event;
}

/** The Lambda context of one local invocation; `timeoutMs` mirrors the function's timeout. */
export function lambdaContext(functionName: string, requestId: string, timeoutMs = 10_000): Context {
  const deadline = Date.now() + timeoutMs;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export interface HttpResponse {
  statusCode: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/**
 * API Gateway's reading of a function result: a structured result is used as given; anything else
 * (a string, an object without `statusCode`) becomes a 200 JSON response.
 */
export function fromHttpApiResult(result: APIGatewayProxyResultV2): HttpResponse {
  if (typeof result === 'object' && result !== null && 'statusCode' in result && typeof result.statusCode === 'number') {
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = String(value);
    if (result.cookies && result.cookies.length > 0) headers['set-cookie'] = result.cookies;
    const body = result.body === undefined ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? 'base64' : 'utf8');
    return { statusCode: result.statusCode, headers, body };
  }
  const body = typeof result === 'string' ? result : JSON.stringify(result);
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(body, 'utf8') };
}
