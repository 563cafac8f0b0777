/**
 * The floor of the latency variant: the least a function can do to answer `GET /todos/{id}` when its
 * password is in Secrets Manager and the database speaks TLS — the real SDK's `GetSecretValue`, the
 * `pg` driver verifying the server's certificate (DB_SSL_CA_FILE), one connection, one query.
 * Bundled with exactly the settings of the real functions (scripts/bundle.ts), stubs included.
 */
import { readFileSync } from 'node:fs';
import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { getTodo, type Event, type Response } from './getTodo';

interface Secret {
  host: string;
  port: number;
  dbname: string;
  username: string;
  password: string;
}

const secrets = new SecretsManagerClient({});
let client: pg.Client | undefined;

async function connection(): Promise<pg.Client> {
  if (!client) {
    const { SecretString } = await secrets.send(new GetSecretValueCommand({ SecretId: process.env.DB_SECRET_NAME }));
    const secret = JSON.parse(SecretString ?? '{}') as Secret;
    const caFile = process.env.DB_SSL_CA_FILE;
    client = new pg.Client({
      host: secret.host,
      port: Number(secret.port),
      database: secret.dbname,
      user: secret.username,
      password: secret.password,
      ssl: caFile ? { rejectUnauthorized: true, ca: readFileSync(caFile, 'utf8') } : undefined,
    });
    await client.connect();
  }
  return client;
}

export async function handler(event: Event): Promise<Response> {
  return getTodo(await connection(), event);
}
