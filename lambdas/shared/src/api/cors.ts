/**
 * The CORS policy: the one definition of what a browser page on another origin may do with this API.
 * `amplify/api/httpApi.ts` hands it to API Gateway (`CorsConfiguration`), and the local server
 * (`pnpm dev`) applies it with `preflightHeaders` / `corsResponseHeaders` below, the way API Gateway
 * does, so a front end that works against `pnpm dev` works against the deployed API.
 *
 * Like `routes.ts`, this module imports nothing but the route manifest: infrastructure code reads it
 * without loading the runtime.
 */
import { ROUTES } from './routes';

/** Every origin. Safe here because no route authenticates with cookies: SigV4 signatures are sent explicitly. */
export const ANY_ORIGIN = '*';

/** The response header naming the request id, as API Gateway's HTTP API sends it (the local server too). */
export const REQUEST_ID_HEADER = 'apigw-requestid';

export const CORS_POLICY = {
  /** Every method of the manifest. (`OPTIONS` is the preflight itself, answered before any route.) */
  allowMethods: [...new Set(ROUTES.map((route) => route.method))],
  /**
   * What a browser may send: a JSON body; the SigV4 headers (Amplify JS signs with `authorization`,
   * `x-amz-date` and, for an identity pool's temporary credentials, `x-amz-security-token`; other
   * SigV4 signers add `x-amz-content-sha256`); and the conditional-request headers of the ETag protocol.
   */
  allowHeaders: ['content-type', 'authorization', 'x-amz-date', 'x-amz-security-token', 'x-amz-content-sha256', 'if-match', 'if-none-match'],
  /**
   * What a page may read besides the CORS-safelisted headers: the ETag to send back, where a POST
   * created its todo, the request id to quote, and the error type API Gateway puts on errors of its
   * own (an unsigned call's 403, throttling's 429), which Amplify JS names its `ApiError` after, and
   * how long to wait after a 503 (`retry-after`).
   */
  exposeHeaders: ['etag', 'location', REQUEST_ID_HEADER, 'x-amzn-errortype', 'retry-after'],
  /** How long a browser may reuse a preflight answer. */
  maxAgeSeconds: 3600,
} as const;

/** `pnpm dev` allows any origin unless `DEV_CORS_ORIGINS` says otherwise; a deployment has `DEPLOY_CORS_ORIGINS`. */
export const DEFAULT_CORS_ORIGINS: readonly string[] = [ANY_ORIGIN];

/** `*`, or a scheme, host and optional port with no path: what API Gateway accepts as an allowed origin. */
const ORIGIN = /^(\*|https?:\/\/[^\s,/]+)$/;

/**
 * A comma-separated list of origins (`https://app.example.com,http://localhost:5173`), checked.
 * Returns the origins and a problem per entry that is not one; empty or missing means the default.
 */
export function parseCorsOrigins(value: string | undefined, setting: string): { origins: readonly string[]; problems: string[] } {
  const items = (value ?? '').split(',').map((item) => item.trim()).filter((item) => item.length > 0);
  if (items.length === 0) return { origins: DEFAULT_CORS_ORIGINS, problems: [] };
  const problems = items.filter((item) => !ORIGIN.test(item)).map((item) => `${setting}: "${item}" is not an origin (https://host[:port]) or *`);
  return { origins: items, problems };
}

type Headers = Readonly<Record<string, string | string[] | undefined>>;

const header = (headers: Headers, name: string): string | undefined => {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
};

/** The `Access-Control-Allow-Origin` value for `origin`, or `undefined` when it is not allowed. */
function allowedOrigin(origin: string | undefined, allowed: readonly string[]): string | undefined {
  if (origin === undefined) return undefined;
  if (allowed.includes(ANY_ORIGIN)) return ANY_ORIGIN;
  return allowed.includes(origin) ? origin : undefined;
}

/** A CORS preflight: `OPTIONS` with `Origin` and `Access-Control-Request-Method` (lower-case header names). */
export function isPreflight(method: string, headers: Headers): boolean {
  return method.toUpperCase() === 'OPTIONS' && header(headers, 'origin') !== undefined && header(headers, 'access-control-request-method') !== undefined;
}

/**
 * The headers of the answer to a preflight (status 204). From an origin that is not allowed, no CORS
 * header at all: the browser then refuses the real request.
 */
export function preflightHeaders(headers: Headers, allowed: readonly string[]): Record<string, string> {
  const origin = allowedOrigin(header(headers, 'origin'), allowed);
  if (origin === undefined) return {};
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-methods': CORS_POLICY.allowMethods.join(','),
    'access-control-allow-headers': CORS_POLICY.allowHeaders.join(','),
    'access-control-max-age': String(CORS_POLICY.maxAgeSeconds),
    ...(origin === ANY_ORIGIN ? {} : { vary: 'origin' }),
  };
}

/**
 * The CORS headers added to an actual response to a request from `Origin` (none without one, or
 * when it is not allowed). With a list of origins the answer depends on `Origin`, so every response
 * says so (`Vary: origin`), allowed or not, for any cache in between.
 */
export function corsResponseHeaders(headers: Headers, allowed: readonly string[]): Record<string, string> {
  const vary: Record<string, string> = allowed.includes(ANY_ORIGIN) ? {} : { vary: 'origin' };
  const origin = allowedOrigin(header(headers, 'origin'), allowed);
  if (origin === undefined) return vary;
  return { 'access-control-allow-origin': origin, 'access-control-expose-headers': CORS_POLICY.exposeHeaders.join(','), ...vary };
}
