/**
 * 53300's kin (SQLSTATE class 53, insufficient resources) met by a statement rather than a connect:
 * the server is overloaded, so a 503 with Retry-After, never a 500. (A connect refused with any of
 * them is a connection failure, a 503 already: see responses.test.ts.)
 */
import { ConnectionError, DatabaseError } from 'sequelize';
import { toErrorResponse } from '../../src';

const pgError = (code: string, message: string): Error => Object.assign(new Error(message), { code, severity: 'ERROR', sql: 'SELECT 1' });

test.each([
  ['53000', 'insufficient resources'],
  ['53100', 'could not extend file: No space left on device'],
  ['53200', 'out of shared memory'],
  ['53300', 'too many connections for role "app"'],
  ['53400', 'configuration limit exceeded'],
])('a statement refused with %s (%s) is a 503 with Retry-After', (code, message) => {
  const result = toErrorResponse(new DatabaseError(pgError(code, message) as never));
  expect([result.statusCode, result.headers?.['retry-after']]).toEqual([503, '1']);
  expect(JSON.parse(result.body ?? '')).toEqual({ code: 'database_unavailable', message: 'The database is unavailable; try again later' });
});

test('a connect refused with one of them is a 503 too', () => {
  for (const code of ['53000', '53200', '53300']) expect(toErrorResponse(new ConnectionError(pgError(code, 'refused'))).statusCode).toBe(503);
});

test('other classes stay 500s (a bug is not an overload)', () => {
  expect(toErrorResponse(new DatabaseError(pgError('54000', 'program limit exceeded') as never)).statusCode).toBe(500);
});
