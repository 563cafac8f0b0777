/**
 * An embedded PostgreSQL (scram-sha-256) that speaks TLS with a certificate for 127.0.0.1 from a CA
 * made for the test: what RDS looks like to a client that verifies the server (`DB_SSL=true`).
 * Needs `openssl` (Debian's, on every machine these tests run on).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnEmbeddedPostgres, type ChildPgServer } from './embeddedPostgresProcess';
import { registerSecret } from './logCapture';

export interface TlsPostgres {
  readonly server: ChildPgServer;
  /** The CA that signed the server's certificate: DB_SSL_CA_FILE. */
  readonly caFile: string;
  stop(): Promise<void>;
}

export async function startTlsPostgres(): Promise<TlsPostgres> {
  const dir = mkdtempSync(join(tmpdir(), 'pg-tls-'));
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=Test CA', '-keyout', 'ca.key', '-out', 'ca.pem');
  run('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', 'server.key', '-out', 'server.csr');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '1', '-extfile', 'ext.cnf', '-out', 'server.pem');
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'server.key'), 0o600);
  chmodSync(join(dir, 'server.pem'), 0o644);
  // As root the embedded server runs as the `postgres` user, which must own its key.
  if (process.getuid?.() === 0) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(join(dir, 'server.key'), uid, gid);
  }
  const server = await spawnEmbeddedPostgres({ settings: { ssl: 'on', ssl_cert_file: join(dir, 'server.pem'), ssl_key_file: join(dir, 'server.key') } });
  registerSecret(server.password);
  return {
    server,
    caFile: join(dir, 'ca.pem'),
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
