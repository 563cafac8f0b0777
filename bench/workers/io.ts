/** The worker side of the protocol: read the task, answer on fd 3, exit without waiting on sockets. */
import { readFileSync, writeSync } from 'node:fs';
import type { Context } from 'aws-lambda';
import { lambdaContext } from '../../scripts/localApi/apiGatewayEvent';
import type { Task } from './protocol';

export function readTask<K extends Task['kind']>(kind: K): Extract<Task, { kind: K }> {
  const file = process.env.BENCH_TASK_FILE;
  const task = file ? (JSON.parse(readFileSync(file, 'utf8')) as Task) : undefined;
  if (task?.kind !== kind) throw new Error(`Expected a ${kind} task in BENCH_TASK_FILE`);
  return task as Extract<Task, { kind: K }>;
}

/** Sends the result and ends the process (a warm pool would otherwise keep it alive for 30 s). */
export function respond(result: unknown): never {
  writeSync(3, `BENCH_RESULT ${JSON.stringify(result)}\n`);
  process.exit(0);
}

let requests = 0;
export function context(functionName: string): Context {
  requests += 1;
  return lambdaContext(functionName, `bench-${requests}`);
}

/** What every bundle exports: the Lambda handler. */
export type Handler = (event: unknown, context: Context) => Promise<unknown>;

export async function importHandler(bundle: string): Promise<Handler> {
  const module = (await import(bundle)) as { handler?: Handler };
  if (typeof module.handler !== 'function') throw new Error(`${bundle} exports no handler`);
  return module.handler;
}

export function statusOf(result: unknown): number {
  return typeof result === 'object' && result !== null && 'statusCode' in result ? Number(result.statusCode) : 0;
}

export function fail(error: unknown): never {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
}
