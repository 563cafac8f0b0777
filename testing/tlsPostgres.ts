/**
 * An embedded PostgreSQL (scram-sha-256) that speaks TLS with a certificate for 127.0.0.1 from a CA
 * made for the test (`tools/tlsCertificates.ts`): what RDS looks like to a client that verifies the
 * server (`DB_SSL=true`). Needs `openssl` (Debian's, on every machine these tests run on).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeServerCertificate } from '../tools/tlsCertificates';
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
  const certificate = makeServerCertificate(dir);
  const server = await spawnEmbeddedPostgres({ settings: certificate.settings });
  registerSecret(server.password);
  return {
    server,
    caFile: certificate.caFile,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
