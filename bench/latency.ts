/**
 * The latency variant's world: what a Lambda in a VPC talks to, with the delays of a real network
 * instead of loopback's zero.
 * - PostgreSQL with TLS: an embedded server of its own with a throw-away CA (`tools/tlsCertificates.ts`);
 *   clients verify its certificate (DB_SSL=true, DB_SSL_CA_FILE), as against RDS.
 * - ~1 ms each way to the database: the server sits behind `tools/tcpProxy.ts` with `delayMs: 1`.
 * - Secrets Manager answering after 30 ms: a `FakeSecretsManager` of its own whose every
 *   GetSecretValue is delayed (the other variants' fake stays instant).
 * The database is migrated by the real `migrate` bundle (over TLS, directly) and seeded like the main one.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { FakeSecretsManager } from '../tools/fakeSecretsManager';
import { ensureDatabase, startEmbeddedPostgres, type PgServer } from '../tools/localPostgres';
import { TcpProxy } from '../tools/tcpProxy';
import { makeServerCertificate } from '../tools/tlsCertificates';
import { runMigrations, type Artifacts } from './artifacts';
import { seedTodos } from './database';

export const LATENCY = { secretsManagerMs: 30, databaseOneWayMs: 1 } as const;

const SECRET_NAME = 'bench/todos-db-tls';
const DATABASE = 'bench';

export interface LatencyWorld {
  /** Production mode: password from the delayed Secrets Manager, database through the proxy, TLS verified. */
  production: NodeJS.ProcessEnv;
  fake: FakeSecretsManager;
  todoId: string;
  description: string;
  stop(): Promise<void>;
}

export async function openLatencyWorld(artifacts: Artifacts, seed: number): Promise<LatencyWorld> {
  const dir = join(artifacts.dir, 'tls');
  mkdirSync(dir, { recursive: true });
  const certificate = makeServerCertificate(dir);
  let server: PgServer | undefined;
  let proxy: TcpProxy | undefined;
  let fake: FakeSecretsManager | undefined;
  const stop = async (): Promise<void> => {
    await fake?.stop();
    await proxy?.stop();
    await server?.stop();
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    server = await startEmbeddedPostgres({ settings: certificate.settings });
    const target = { host: server.host, port: server.port, user: server.user, password: server.password, database: DATABASE };
    await ensureDatabase(target, DATABASE);
    const tls = { DB_SSL: 'true', DB_SSL_CA_FILE: certificate.caFile };
    const base = { PATH: process.env.PATH, POWERTOOLS_SERVICE_NAME: 'todos', AWS_LAMBDA_FUNCTION_NAME: 'todos' };
    const direct = { ...base, NODE_ENV: 'development', DB_HOST: target.host, DB_PORT: String(target.port), DB_NAME: DATABASE, DB_USER: target.user, DB_PASSWORD: target.password, ...tls };
    await runMigrations(artifacts, direct);
    const [todoId] = await seedTodos(target, seed, certificate.caFile);
    if (todoId === undefined) throw new Error('Seeding the TLS database produced no rows');

    proxy = await new TcpProxy(target.host, target.port, { delayMs: LATENCY.databaseOneWayMs }).start();
    fake = await new FakeSecretsManager().start();
    fake.putSecret(SECRET_NAME, { engine: 'postgres', host: target.host, port: proxy.port, dbname: DATABASE, username: target.user, password: target.password });
    fake.inject({ kind: 'delay', ms: LATENCY.secretsManagerMs, operation: 'GetSecretValue', times: Number.POSITIVE_INFINITY });
    const production: NodeJS.ProcessEnv = { ...base, NODE_ENV: 'production', DB_SECRET_NAME: SECRET_NAME, DB_HOST: target.host, DB_PORT: String(proxy.port), DB_NAME: DATABASE, DB_USER: target.user, ...tls };
    fake.configureEnvironment(production);
    return {
      production,
      fake,
      todoId,
      description: `embedded PostgreSQL with TLS behind a ${LATENCY.databaseOneWayMs} ms-each-way proxy, Secrets Manager answering after ${LATENCY.secretsManagerMs} ms`,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
