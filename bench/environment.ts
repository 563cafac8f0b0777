/**
 * The environments the workers run in: development (password from `DB_*`, no AWS call), and
 * production as Lambda runs it (password from Secrets Manager: the real SDK against the local fake).
 */
import { FakeSecretsManager } from '../tools/fakeSecretsManager';
import type { BenchDatabase } from './database';

export const SECRET_NAME = 'bench/todos-db';

export interface Environments {
  development: NodeJS.ProcessEnv;
  production: NodeJS.ProcessEnv;
  fake: FakeSecretsManager;
}

export async function environments(db: BenchDatabase): Promise<Environments> {
  const base = { PATH: process.env.PATH, POWERTOOLS_SERVICE_NAME: 'todos', AWS_LAMBDA_FUNCTION_NAME: 'todos' };
  const fake = await new FakeSecretsManager().start();
  const t = db.target;
  fake.putSecret(SECRET_NAME, { engine: 'postgres', host: t.host, port: t.port, dbname: t.database, username: t.user, password: t.password });
  const production: NodeJS.ProcessEnv = { ...base, NODE_ENV: 'production', DB_SECRET_NAME: SECRET_NAME, DB_HOST: t.host, DB_PORT: String(t.port), DB_NAME: t.database, DB_USER: t.user };
  fake.configureEnvironment(production);
  return { development: { ...base, NODE_ENV: 'development', ...db.env }, production, fake };
}
