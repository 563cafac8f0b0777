import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { describeError, logger } from '../logger';
import { isDatabaseUnavailable } from '../db/unavailable';
import { HttpError, ServiceUnavailableError, type ErrorBody } from './errors';

export type HttpResult = APIGatewayProxyStructuredResultV2 & { statusCode: number };

export const JSON_CONTENT_TYPE = 'application/json; charset=utf-8';

/** A JSON response. Responses are per-user data: never cached by a proxy. */
export function json(statusCode: number, body: unknown, headers: Record<string, string> = {}): HttpResult {
  return {
    statusCode,
    headers: { 'content-type': JSON_CONTENT_TYPE, 'cache-control': 'no-store', ...headers },
    body: JSON.stringify(body),
  };
}

/** 204: no body, hence no content type. */
export function noContent(): HttpResult {
  return { statusCode: 204, headers: { 'cache-control': 'no-store' } };
}

const INTERNAL_ERROR: ErrorBody = { code: 'internal_error', message: 'Internal server error' };

/** The one 500 body: it says nothing about the cause (no stack, no SQL). */
export function internalError(): HttpResult {
  return json(500, INTERNAL_ERROR);
}

/**
 * The response for anything a route handler threw. `HttpError`s speak for themselves; database
 * outages become a 503; everything else a 500 whose body says nothing about the cause (no stack, no
 * SQL), while the log line records the error's class and message for the operator.
 */
export function toErrorResponse(error: unknown): HttpResult {
  if (error instanceof HttpError) return json(error.statusCode, error.toBody(), { ...error.headers });
  if (isDatabaseUnavailable(error)) {
    logger.warn('Database unavailable', { error: describeError(error) });
    const unavailable = new ServiceUnavailableError();
    return json(unavailable.statusCode, unavailable.toBody(), { ...unavailable.headers });
  }
  logger.error('Unhandled error', { error: describeError(error) });
  return internalError();
}
