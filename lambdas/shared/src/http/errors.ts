/**
 * The errors a handler throws to answer a client with a 4xx (or a 503). Each carries the HTTP status
 * and the stable `code` clients branch on; `toErrorResponse()` in `responses.ts` turns them into the
 * `{ code, message, details? }` body. Anything else thrown becomes a generic 500.
 *
 * Why flat: Amplify JS (`aws-amplify/api`) names the `ApiError` it throws after a top-level `code`
 * (or the `x-amzn-errortype` header) and takes its `message` from a top-level `message`; anything
 * nested reads as "UnknownError: Unknown error" in a browser app.
 */
export interface ErrorBody {
  code: string;
  message: string;
  details?: unknown;
}

export abstract class HttpError extends Error {
  abstract readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>> = {};

  constructor(
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  toBody(): ErrorBody {
    return { code: this.code, message: this.message, ...(this.details === undefined ? {} : { details: this.details }) };
  }
}

/** One problem with one field, as reported in `details` of a `validation_failed` error. */
export interface FieldIssue {
  /** Where the field is: the JSON body, the query string, the path or a request header. */
  in: 'body' | 'query' | 'path' | 'header';
  /** Dotted path inside that location (`title`, `limit`), or the header name (`if-match`); empty for the location as a whole. */
  field: string;
  message: string;
}

export type BadRequestCode = 'invalid_json' | 'body_required' | 'body_too_large' | 'validation_failed';

export class BadRequestError extends HttpError {
  override name = 'BadRequestError';
  readonly statusCode = 400;

  constructor(code: BadRequestCode, message: string, details?: FieldIssue[]) {
    super(code, message, details);
  }
}

export class NotFoundError extends HttpError {
  override name = 'NotFoundError';
  readonly statusCode = 404;

  constructor(message = 'Not found') {
    super('not_found', message);
  }

  /** "No route for METHOD /path", with the caller's method and path cut short: a 404 need not echo 20 KB back. */
  static noRoute(method: string, path: string): NotFoundError {
    const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);
    return new NotFoundError(`No route for ${clip(method, 16)} ${clip(path, 100)}`);
  }
}

/**
 * The request's `If-Match` names none of the todo's current entity tags: someone else changed (or
 * the client never had) the version it means to overwrite. Nothing was written; the client should
 * GET the todo again, reapply its change and retry with the new `ETag`.
 */
export class PreconditionFailedError extends HttpError {
  override name = 'PreconditionFailedError';
  readonly statusCode = 412;

  constructor(message = 'The todo has changed since the ETag in If-Match was issued; read it again and retry with the new ETag') {
    super('precondition_failed', message);
  }
}

/** The path exists but not with this method; `Allow` lists the methods that do. */
export class MethodNotAllowedError extends HttpError {
  override name = 'MethodNotAllowedError';
  readonly statusCode = 405;
  override readonly headers: Readonly<Record<string, string>>;

  constructor(
    method: string,
    readonly allow: readonly string[],
  ) {
    super('method_not_allowed', `Method ${method} is not allowed here; allowed: ${allow.join(', ')}`);
    this.headers = { allow: allow.join(', ') };
  }
}

/** How long a client should wait before retrying a 503, in seconds (`Retry-After`). */
export const RETRY_AFTER_SECONDS = 1;

/**
 * The database cannot be reached, is out of connections or did not answer in time; the client may
 * retry after `Retry-After` seconds.
 */
export class ServiceUnavailableError extends HttpError {
  override name = 'ServiceUnavailableError';
  readonly statusCode = 503;
  override readonly headers: Readonly<Record<string, string>> = { 'retry-after': String(RETRY_AFTER_SECONDS) };

  constructor(message = 'The database is unavailable; try again later') {
    super('database_unavailable', message);
  }
}
