/**
 * One Lambda container in a process of its own, for the overload test and `pnpm bench:scale`: the
 * real `todos` handler with its own pool, bundled with `scripts/bundle.ts`'s options (see
 * `tools/containerFleet.ts`, which builds this entry and drives the processes over Node's IPC
 * channel). Invocations run one at a time, as Lambda runs them in one container.
 *
 * `closeAfterEach` is Sequelize's Lambda guide's other choice (close the pool at the end of every
 * invocation, reopen it at the next): the bench compares it with keeping connections.
 * This file is only ever run bundled: `closeDatabase` and the driver whose connects it counts are
 * then the very modules the handler uses (one copy of the shared package in the bundle).
 */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { closeDatabase } from '@lambdas/shared';
import { pgDriver } from '@lambdas/shared/db';
import { lambdaContext } from '../scripts/localApi/apiGatewayEvent';
import { handler } from '@lambdas/todos';
import type { ContainerMessage, ContainerRequest, RunReport } from './containerProtocol';
import { LAMBDA_POOL } from '@lambdas/shared/db';

// Experiments only: another pool size for this container (read when its Sequelize instance is
// built, at the first invocation). docs/scale.md compares max 1 with the default 2.
if (process.env.SCALE_POOL_MAX) LAMBDA_POOL.max = Number(process.env.SCALE_POOL_MAX);

/** Physical connection attempts of this container's pool, and how many of them failed. */
let connects = 0;
let connectFailures = 0;
const clientConnect = pgDriver.Client.prototype.connect as unknown as (this: unknown, ...args: unknown[]) => Promise<void>;
(pgDriver.Client.prototype as { connect: unknown }).connect = function connect(this: unknown, ...args: unknown[]): Promise<void> {
  connects += 1;
  // pg's connect takes a callback or returns a promise; Sequelize uses the callback form.
  const at = args.findIndex((arg) => typeof arg === 'function');
  if (at >= 0) {
    const callback = args[at] as (error?: unknown) => void;
    args[at] = (error?: unknown) => {
      if (error) connectFailures += 1;
      callback(error);
    };
    return clientConnect.apply(this, args);
  }
  return clientConnect.apply(this, args).catch((error: unknown) => {
    connectFailures += 1;
    throw error;
  });
};

const send = (message: ContainerMessage): void => {
  process.send?.(message);
};

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
let invocations = 0;

/** A 2xx/4xx, or a 503 that tells the client when to come back, as JSON: anything else is a defect. */
function wellFormed(result: APIGatewayProxyResultV2): { status: number; ok: boolean; retryAfterS: number | undefined } {
  if (typeof result !== 'object' || result === null) return { status: 0, ok: false, retryAfterS: undefined };
  const status = result.statusCode ?? 0;
  if (status < 500) return { status, ok: true, retryAfterS: undefined };
  const headers = Object.fromEntries(Object.entries(result.headers ?? {}).map(([name, value]) => [name.toLowerCase(), String(value)]));
  const retryAfter = Number(headers['retry-after']);
  let jsonBody = false;
  try {
    jsonBody = typeof (JSON.parse(result.body ?? '') as { code?: unknown }).code === 'string';
  } catch {
    jsonBody = false;
  }
  const ok = status === 503 && Number.isFinite(retryAfter) && retryAfter > 0 && jsonBody && /^application\/json/.test(headers['content-type'] ?? '');
  return { status, ok, retryAfterS: Number.isFinite(retryAfter) ? retryAfter : undefined };
}

async function run(request: Extract<ContainerRequest, { type: 'run' }>): Promise<RunReport> {
  const report: RunReport = { type: 'ran', id: request.id, status: [], ms: [], attempts: [], defects: [], firstOkAtMs: null, cpuMs: 0, connects: 0, connectFailures: 0 };
  const cpu = process.cpuUsage();
  const runStarted = performance.now();
  const startConnects = connects;
  const startFailures = connectFailures;
  const until = request.durationMs === undefined ? Infinity : performance.now() + request.durationMs;
  for (let i = 0; i < (request.count ?? Infinity) && performance.now() < until; i += 1) {
    const event = request.events[i % request.events.length];
    invocations += 1;
    const before = connects;
    const started = performance.now();
    let result: APIGatewayProxyResultV2;
    try {
      result = (await handler(event as never, lambdaContext(process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'todos', `c-${process.pid}-${invocations}`))) as APIGatewayProxyResultV2;
    } catch (error) {
      // The handler never throws by contract: a throw would be Lambda's 502, so it counts as a defect.
      report.status.push(0);
      report.ms.push(performance.now() - started);
      report.attempts.push(connects - before);
      report.defects.push(`threw ${error instanceof Error ? error.name : typeof error}`);
      continue;
    }
    if (request.closeAfterEach) await closeDatabase();
    const ms = performance.now() - started;
    const verdict = wellFormed(result);
    report.status.push(verdict.status);
    report.ms.push(ms);
    report.attempts.push(connects - before);
    if (verdict.status >= 200 && verdict.status < 300) report.firstOkAtMs ??= performance.now() - runStarted;
    if (!verdict.ok) report.defects.push(`status ${verdict.status}: ${typeof result === 'object' ? String(result.body).slice(0, 200) : ''}`);
    if (request.stopOn?.includes(verdict.status)) break;
    if (verdict.status === 503 && request.honorRetryAfter && verdict.retryAfterS !== undefined) await sleep(Math.min(verdict.retryAfterS * 1_000, until - performance.now()));
    else if (request.pauseMs) await sleep(request.pauseMs);
  }
  const used = process.cpuUsage(cpu);
  report.cpuMs = (used.user + used.system) / 1_000;
  report.connects = connects - startConnects;
  report.connectFailures = connectFailures - startFailures;
  return report;
}

process.on('message', (message: ContainerRequest) => {
  if (message.type === 'run') {
    run(message).then(send, (error: unknown) => send({ type: 'failed', id: message.id, error: String(error) }));
  } else if (message.type === 'close') {
    void closeDatabase().finally(() => send({ type: 'closed', id: message.id }));
  } else if (message.type === 'exit') {
    void closeDatabase().finally(() => process.exit(0));
  }
});

send({ type: 'ready', pid: process.pid });
