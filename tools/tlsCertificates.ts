/**
 * A throw-away certificate authority and a server certificate for 127.0.0.1, made with `openssl`,
 * for a PostgreSQL that speaks TLS (the DB_SSL tests, the bench's latency variant). The key is
 * owned by the `postgres` user when running as root: the embedded server then runs as that user
 * and refuses a key it cannot read or that others can.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ServerCertificate {
  /** The CA's certificate: what a client trusts (DB_SSL_CA_FILE). */
  caFile: string;
  certFile: string;
  keyFile: string;
  /** The `-c name=value` settings that turn TLS on with this certificate. */
  settings: Record<string, string>;
}

/** Writes the CA and a certificate for `127.0.0.1` (IP SAN) into `dir`, valid for one day. */
export function makeServerCertificate(dir: string): ServerCertificate {
  const run = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'server.pem');
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'server.key'), 0o600);
  chmodSync(join(dir, 'server.pem'), 0o644);
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(join(dir, 'server.key'), uid, gid);
  }
  const certFile = join(dir, 'server.pem');
  const keyFile = join(dir, 'server.key');
  return { caFile: join(dir, 'ca.pem'), certFile, keyFile, settings: { ssl: 'on', ssl_cert_file: certFile, ssl_key_file: keyFile } };
}
