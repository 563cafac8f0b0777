import { BaseError } from 'sequelize';
import { isConnectionFailure } from './errors';
import { ConfigError } from '../config/errors';

/** A statement cancelled by `statement_timeout`: the database is overloaded, not the query wrong. */
const STATEMENT_TIMEOUT = '57014';

function sqlState(error: BaseError): string | undefined {
  const parent = (error as { parent?: { code?: unknown } }).parent;
  return typeof parent?.code === 'string' ? parent.code : undefined;
}

/**
 * Whether `error` means the database is unreachable, overloaded or not configured: the request may
 * succeed later, so it is answered with a 503, not a 500. Connection failures are classified once,
 * in `db/errors.ts`; here they are joined by configuration errors (credentials unavailable)
 * and statement timeouts.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (error instanceof ConfigError || isConnectionFailure(error)) return true;
  return error instanceof BaseError && sqlState(error) === STATEMENT_TIMEOUT;
}
