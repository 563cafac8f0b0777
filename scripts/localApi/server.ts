/**
 * The local API server: serves every route of the manifest by building the HTTP API 2.0 event API
 * Gateway would send and calling the function's own handler module, then writing its result back as
 * API Gateway would. Also serves the generated OpenAPI document at `GET /openapi.json`.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEFAULT_CORS_ORIGINS, REQUEST_ID_HEADER, corsResponseHeaders, isPreflight, preflightHeaders } from '@lambdas/shared/cors';
import { MethodNotAllowedError, NotFoundError, internalError, json, toErrorResponse, type HttpResult } from '@lambdas/shared';
import { buildOpenApiDocument } from '@lambdas/shared/api';
import { findRoute } from '@lambdas/shared/routes';
import { fromHttpApiResult, lambdaContext, toHttpApiEvent, type HttpResponse } from './apiGatewayEvent';
import { HTTP_FUNCTIONS } from './functions';
import { inInvocationScope } from './invocationScope';

/** API Gateway's payload limit: a larger request is refused before any function runs. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export const OPENAPI_PATH = '/openapi.json';

export interface RequestLog {
  method: string;
  path: string;
  status: number;
  ms: number;
}

export interface LocalApiOptions {
  port?: number;
  host?: string;
  /** Origins allowed by CORS (`DEFAULT_CORS_ORIGINS`, i.e. any, unless given). */
  corsOrigins?: readonly string[];
  /** Called once per request after the response is written. */
  onRequest?: (entry: RequestLog) => void;
}

export interface LocalApi {
  url: string;
  port: number;
  close(): Promise<void>;
}

class PayloadTooLargeError extends Error {
  override name = 'PayloadTooLargeError';
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_REQUEST_BYTES) {
        reject(new PayloadTooLargeError(`Request body exceeds ${MAX_REQUEST_BYTES} bytes`));
        request.destroy();
        return;
      }
      chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

function writeResponse(response: ServerResponse, result: HttpResponse): void {
  response.writeHead(result.statusCode, { ...result.headers, 'content-length': String(result.body.length) });
  response.end(result.body);
}

const asResponse = (result: HttpResult): HttpResponse => fromHttpApiResult(result);

async function dispatch(request: IncomingMessage, baseUrl: string, corsOrigins: readonly string[]): Promise<HttpResponse> {
  const method = (request.method ?? 'GET').toUpperCase();
  const url = request.url ?? '/';
  const path = url.split('?')[0] ?? '/';
  // As API Gateway does with a CORS configuration: it answers preflights itself, on any path,
  // before any route (and so before any authoriser or function) is consulted.
  if (isPreflight(method, request.headers)) return { statusCode: 204, headers: preflightHeaders(request.headers, corsOrigins), body: Buffer.alloc(0) };
  let body: Buffer;
  try {
    body = await readBody(request);
  } catch (error) {
    if (error instanceof PayloadTooLargeError) return asResponse(json(413, { code: 'payload_too_large', message: error.message }));
    throw error;
  }
  if (path === OPENAPI_PATH && method === 'GET') return asResponse(json(200, buildOpenApiDocument(baseUrl)));

  const match = findRoute(method, path);
  if (match.kind === 'not_found') return asResponse(toErrorResponse(NotFoundError.noRoute(method, path)));
  if (match.kind === 'method_not_allowed') return asResponse(toErrorResponse(new MethodNotAllowedError(method, match.allow)));

  const { handler } = await HTTP_FUNCTIONS[match.route.function]();
  const event = toHttpApiEvent(
    { method, url, headers: request.headers, body, sourceIp: request.socket.remoteAddress ?? '127.0.0.1' },
    { routeKey: match.routeKey, pathParameters: match.pathParameters },
  );
  const { requestId } = event.requestContext;
  const result = fromHttpApiResult(await inInvocationScope(requestId, () => handler(event, lambdaContext(match.route.function, requestId))));
  // As API Gateway does: the caller can quote the request id, and find its log lines by it.
  return { ...result, headers: { ...result.headers, [REQUEST_ID_HEADER]: requestId } };
}

/** What API Gateway adds to every response to a request from an allowed origin. */
function withCors(result: HttpResponse, request: IncomingMessage, corsOrigins: readonly string[]): HttpResponse {
  return { ...result, headers: { ...result.headers, ...corsResponseHeaders(request.headers, corsOrigins) } };
}

export async function startLocalApi(options: LocalApiOptions = {}): Promise<LocalApi> {
  const host = options.host ?? '127.0.0.1';
  const corsOrigins = options.corsOrigins ?? DEFAULT_CORS_ORIGINS;
  let baseUrl = '';
  const server = createServer((request, response) => {
    const started = performance.now();
    dispatch(request, baseUrl, corsOrigins)
      .catch((error: unknown) => {
        // A handler that throws is a bug (they answer errors themselves); API Gateway would say 500.
        process.stderr.write(`Handler failed (${randomUUID()}): ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
        return asResponse(internalError());
      })
      .then((result) => {
        writeResponse(response, isPreflight(request.method ?? '', request.headers) ? result : withCors(result, request, corsOrigins));
        options.onRequest?.({ method: request.method ?? 'GET', path: (request.url ?? '/').split('?')[0] ?? '/', status: result.statusCode, ms: Math.round(performance.now() - started) });
      })
      .catch(() => response.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://${host}:${port}`;
  return {
    url: baseUrl,
    port,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Keep-alive connections would hold `close` open until they time out.
        server.closeAllConnections();
      }),
  };
}
