/**
 * Secrets Manager traffic, counted by the local fake (the real SDK signs and sends every call):
 * the `todos` bundle in production mode for many sequential and 100 concurrent first invocations,
 * and `SecretManager.initializeSecretConnections` for 50 secrets.
 */
import { SecretManager } from '@lambdas/shared/secrets';
import type { Artifacts } from './artifacts';
import type { Environments } from './environment';
import { getTodoEvent } from './events';
import { runWorker } from './spawnWorker';
import type { InvokeResult } from './workers/protocol';

export interface SecretsTraffic {
  sequential: { invocations: number; getSecretValue: number; ttlWindows: number; durationMs: number };
  concurrentFirst: { invocations: number; getSecretValue: number };
  preload: { secrets: number; batchGetSecretValue: number; getSecretValue: number };
}

const TTL_SECONDS = 300;

async function countCalls(envs: Environments, work: () => Promise<InvokeResult>): Promise<{ calls: number; result: InvokeResult }> {
  const before = envs.fake.callCount('GetSecretValue');
  const result = await work();
  const failed = Object.entries(result.statusCodes).filter(([status]) => status !== '200');
  if (failed.length > 0) throw new Error(`Invocations failed: ${JSON.stringify(result.statusCodes)}`);
  return { calls: envs.fake.callCount('GetSecretValue') - before, result };
}

export async function measureSecrets(artifacts: Artifacts, envs: Environments, todoIds: string[], invocations: number): Promise<SecretsTraffic> {
  const events = todoIds.map(getTodoEvent);
  const invoke = (count: number, concurrent: boolean): Promise<InvokeResult> =>
    runWorker<InvokeResult>({ file: artifacts.workers.invoke, task: { kind: 'invoke', bundle: artifacts.todos, functionName: 'todos', invocations: count, concurrent, events }, env: envs.production, cwd: artifacts.dir, timeoutMs: 300_000 });

  const sequential = await countCalls(envs, () => invoke(invocations, false));
  const concurrent = await countCalls(envs, () => invoke(100, true));

  const names = Array.from({ length: 50 }, (_, i) => `bench/preload-${i}`);
  for (const name of names) envs.fake.putSecret(name, { engine: 'postgres', host: '127.0.0.1', port: 5432, dbname: 'x', username: `u${name}`, password: 'p' });
  const previous = { AWS_ENDPOINT_URL_SECRETS_MANAGER: process.env.AWS_ENDPOINT_URL_SECRETS_MANAGER };
  envs.fake.configureEnvironment(process.env);
  const batchBefore = envs.fake.callCount('BatchGetSecretValue');
  const getBefore = envs.fake.callCount('GetSecretValue');
  await new SecretManager({ resolveRegion: () => envs.production.AWS_REGION }).initializeSecretConnections(
    names.map((Secret) => ({ dbType: 'POSTGRES', Secret })),
    envs.production.AWS_REGION ?? 'us-east-1',
  );
  Object.assign(process.env, previous);

  return {
    sequential: { invocations, getSecretValue: sequential.calls, ttlWindows: Math.max(1, Math.ceil(sequential.result.durationMs / 1_000 / TTL_SECONDS)), durationMs: sequential.result.durationMs },
    concurrentFirst: { invocations: 100, getSecretValue: concurrent.calls },
    preload: { secrets: names.length, batchGetSecretValue: envs.fake.callCount('BatchGetSecretValue') - batchBefore, getSecretValue: envs.fake.callCount('GetSecretValue') - getBefore },
  };
}
