/**
 * Classifying database errors by what the caller should do about them. Sequelize wraps the
 * driver's error as `parent`/`original`, so both classifiers look through those. They do not
 * follow `cause`: the shared package's own errors use it to carry a Secrets Manager failure, and a
 * timed-out secret fetch (already retried by the SDK) is not a broken database connection.
 */

interface Chained {
  code?: unknown;
  errno?: unknown;
  name?: unknown;
  message?: unknown;
  parent?: unknown;
  original?: unknown;
}

function someInChain(error: unknown, test: (e: Chained) => boolean, depth = 0): boolean {
  if (typeof error !== 'object' || error === null || depth > 5) return false;
  const e = error as Chained;
  if (test(e)) return true;
  return [e.parent, e.original].some((inner) => inner !== error && someInChain(inner, test, depth + 1));
}

/**
 * Driver error codes that mean "the server rejected these credentials" — the codes AWS's
 * secrets-aware JDBC drivers also treat as a cue to re-read the secret:
 * PostgreSQL 28P01 (invalid_password) and 28000 (invalid_authorization_specification), Redshift
 * 28P01, MySQL/MariaDB 1045 (ER_ACCESS_DENIED_ERROR).
 */
const AUTH_FAILURE_CODES = new Set<unknown>(['28P01', '28000', 1045, 'ER_ACCESS_DENIED_ERROR']);

/** True when `error`, or an error it wraps, is an authentication failure. */
export function isAuthFailure(error: unknown): boolean {
  return someInChain(error, (e) => AUTH_FAILURE_CODES.has(e.code) || AUTH_FAILURE_CODES.has(e.errno));
}

/** Sequelize's classes for "could not get a working connection" (refused, timed out, pool exhausted...). */
const CONNECTION_ERROR_NAMES = /^Sequelize(Connection\w*Error|HostNotFoundError|HostNotReachableError|InvalidConnectionError|AccessDeniedError)$/;
/** PostgreSQL's too_many_connections: a connect refused for want of a slot (`isServerFull`). */
const TOO_MANY_CONNECTIONS = '53300';
/** Socket-level failures, PostgreSQL's "connection exception" (08xxx) and shutdown (57P0x) states, and a refused slot. */
const NETWORK_CODES = new Set<unknown>(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND', '57P01', '57P02', '57P03', TOO_MANY_CONNECTIONS]);
/** Sequelize's classes for "waited and gave up": connecting, or waiting for a pooled connection. */
const TIMEOUT_ERROR_NAMES = /^Sequelize(ConnectionTimedOutError|ConnectionAcquireTimeoutError)$/;
/**
 * The driver's messages for the same, and for a query the server never answered (`Query read
 * timeout` is pg's client-side `query_timeout`).
 */
const TIMEOUT_MESSAGES = /timeout exceeded when trying to connect|Connection terminated due to connection timeout|Connection timed out|Query read timeout/i;
/** pg reports a socket closed under a running query, and its own timeouts, with a plain Error and no code. */
const NETWORK_MESSAGES = new RegExp(`Connection terminated|Client has encountered a connection error|${TIMEOUT_MESSAGES.source}`, 'i');

/**
 * True when the database did not answer in time: connecting, waiting for a pooled connection, or a
 * query past the client-side `query_timeout`. Trying again at once would cost the same wait again
 * (and several such waits would outlast the function's timeout), so callers answer 503 instead.
 */
export function isTimeout(error: unknown): boolean {
  return someInChain(error, (e) => (typeof e.name === 'string' && TIMEOUT_ERROR_NAMES.test(e.name)) || (typeof e.message === 'string' && TIMEOUT_MESSAGES.test(e.message)));
}

/**
 * True when a query was sent on an open connection and no answer came before pg's client-side
 * `query_timeout`: the connection (typically a pooled one) is black-holed, or the server hung.
 * Unlike a connect or pool-acquire timeout, a fresh connection may well succeed.
 */
export function isQueryTimeout(error: unknown): boolean {
  return someInChain(error, (e) => typeof e.message === 'string' && /Query read timeout/i.test(e.message));
}

/**
 * True when the database could not be reached or the connection broke: a transient outage the
 * caller should answer with 503 (and may retry later), as opposed to a bug or bad input.
 * Authentication failures count too: from the caller's side the database is unavailable.
 */
export function isConnectionFailure(error: unknown): boolean {
  return someInChain(
    error,
    (e) =>
      (typeof e.name === 'string' && CONNECTION_ERROR_NAMES.test(e.name)) ||
      NETWORK_CODES.has(e.code) ||
      (typeof e.code === 'string' && e.code.startsWith('08')) ||
      (typeof e.message === 'string' && NETWORK_MESSAGES.test(e.message)) ||
      AUTH_FAILURE_CODES.has(e.code) ||
      AUTH_FAILURE_CODES.has(e.errno),
  );
}

/**
 * True when the server refused a new connection for want of a slot: 53300 too_many_connections
 * (`max_connections`, or the role's or the database's connection limit). Asking again at once asks
 * for what was just refused, and each refusal costs the server a process and an authentication
 * before it says no, so during a storm immediate retries add to the load that caused it. Callers
 * answer 503 with `Retry-After` instead (docs/scale.md measured both).
 */
export function isServerFull(error: unknown): boolean {
  return someInChain(error, (e) => e.code === TOO_MANY_CONNECTIONS);
}
