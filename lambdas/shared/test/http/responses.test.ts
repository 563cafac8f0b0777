import { ConnectionError, DatabaseError } from 'sequelize';
import { toErrorResponse } from '../../src';
import { isAuthFailure } from '../../src/db';

/** A driver error as pg reports it, wrapped as Sequelize wraps it (`parent`). */
const pgError = (code: string, message: string): Error => Object.assign(new Error(message), { code, severity: 'FATAL' });

test('a server out of connections (53300) is a 503 with Retry-After, and not an authentication failure', () => {
  const error = new ConnectionError(pgError('53300', 'sorry, too many clients already'));
  expect(isAuthFailure(error)).toBe(false); // so no credential search starts
  const result = toErrorResponse(error);
  expect(result.statusCode).toBe(503);
  expect(result.headers?.['retry-after']).toBe('1');
  expect(JSON.parse(result.body ?? '')).toEqual({ code: 'database_unavailable', message: 'The database is unavailable; try again later' });
});

test('a cancelled statement (statement_timeout) is a 503 with Retry-After; any other database error a bare 500', () => {
  const cancelled = toErrorResponse(new DatabaseError(Object.assign(pgError('57014', 'canceling statement due to statement timeout'), { sql: 'SELECT 1' }) as never));
  expect([cancelled.statusCode, cancelled.headers?.['retry-after']]).toEqual([503, '1']);
  const bug = toErrorResponse(new DatabaseError(Object.assign(pgError('42P01', 'relation "x" does not exist'), { sql: 'SELECT * FROM x' }) as never));
  expect([bug.statusCode, bug.headers?.['retry-after'], JSON.parse(bug.body ?? '')]).toEqual([500, undefined, { code: 'internal_error', message: 'Internal server error' }]);
});
