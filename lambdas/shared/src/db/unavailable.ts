import { BaseError } from 'sequelize';
import { isConnectionFailure } from './errors';
import { ConfigError } from '../config/errors';

/** A statement cancelled by `statement_timeout`: the database is overloaded, not the query wrong. */
const STATEMENT_TIMEOUT = '57014';
/**
 * Class 53, insufficient resources: 53300's kin when a statement (not a connect, which is a
 * connection failure already) meets them: out of memory or shared memory (53200, e.g. the lock
 * table), disk full (53100), a configuration limit (53400). The server is overloaded, not the
 * request wrong.
 */
const INSUFFICIENT_RESOURCES = /^53/;

function sqlState(error: BaseError): string | undefined {
  const parent = (error as { parent?: { code?: unknown } }).parent;
  return typeof parent?.code === 'string' ? parent.code : undefined;
}

/**
 * Whether `error` means the database is unreachable, overloaded or not configured: the request may
 * succeed later, so it is answered with a 503, not a 500. Connection failures are classified once,
 * in `db/errors.ts`; here they are joined by configuration errors (credentials unavailable),
 * statement timeouts and statements refused for want of server resources.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof ConfigError || isConnectionFailure(error)) return true;
  if (!(error instanceof BaseError)) return false;
  const state = sqlState(error) ?? '';
  return state === STATEMENT_TIMEOUT || INSUFFICIENT_RESOURCES.test(state);
}
