/**
 * A PostgreSQL SCRAM-SHA-256 password verifier, computed here so that `ALTER ROLE … PASSWORD`
 * carries the verifier and never the password itself: the statement may end up in the server's log
 * (a failed statement is logged with its text), and a verifier cannot be replayed as a password.
 * This is what psql's `\password` and libpq's `PQencryptPasswordConn` send. RFC 5802 / RFC 7677;
 * the format is PostgreSQL's `SCRAM-SHA-256$<iterations>:<salt>$<StoredKey>:<ServerKey>`.
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';

/** PostgreSQL's default (`scram_iterations`, 4096). */
export const SCRAM_ITERATIONS = 4096;

/** PostgreSQL SASLprep-normalises a password first; for printable ASCII that is the identity. */
const PRINTABLE_ASCII = /^[\x20-\x7E]+$/;

export class UnsupportedPasswordError extends Error {
  override name = 'UnsupportedPasswordError';
  constructor() {
    super('The application role password must be printable ASCII (generated secrets are); its SCRAM verifier would need SASLprep otherwise');
  }
}

export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = SCRAM_ITERATIONS): string {
  if (!PRINTABLE_ASCII.test(password)) throw new UnsupportedPasswordError();
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}
