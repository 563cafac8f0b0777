/**
 * Warm latency and memory in one process: the real handler (the `todos` bundle) and its floor, the
 * same queries on one open `pg` connection, measured in alternating blocks so that drift (CPU
 * frequency, the other core's load, autovacuum) hits both sides alike.
 * Run with `--expose-gc`: memory is read after a full collection, so it shows retained memory only.
 */
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { context, fail, importHandler, readTask, respond, statusOf, type Handler } from './io';
import type { LatencySummary, WarmResult, WarmTask } from './protocol';
import { percentile } from '../stats';

const BLOCK = 50;
const MB = 1024 * 1024;

/**
 * The handler's two reads as plain SQL: the exact statements the `Todo` model sends for them
 * (`Todo.findOne` and `Todo.findAll` in `todoStore.ts`, as `DB_LOG_SQL` shows them: columns, aliases,
 * order, limit + 1 for `nextCursor`), so both sides ask PostgreSQL for the same work.
 */
const COLUMNS = '"id", "title", "completed", "created_at" AS "createdAt", "updated_at" AS "updatedAt", "version"';
const GET_SQL = `SELECT ${COLUMNS} FROM "todos" AS "Todo" WHERE "Todo"."id" = $1 LIMIT 1;`;
const LIST_SQL = `SELECT ${COLUMNS} FROM "todos" AS "Todo" ORDER BY "createdAt" DESC, "Todo"."id" DESC LIMIT 21;`;

function summary(samples: number[], cpuMicros: number): LatencySummary {
  return { p50: percentile(samples, 0.5), p99: percentile(samples, 0.99), samples: samples.length, cpuMs: cpuMicros / 1_000 / samples.length };
}

const cpuMicros = (since: NodeJS.CpuUsage): number => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

async function timed(samples: number[], work: () => Promise<unknown>): Promise<void> {
  const started = performance.now();
  await work();
  samples.push(performance.now() - started);
}

function memory(): { rss: number; heap: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const usage = process.memoryUsage();
  return { rss: usage.rss / MB, heap: usage.heapUsed / MB };
}

async function expectOk(handler: Handler, event: unknown): Promise<void> {
  const status = statusOf(await handler(event, context('todos')));
  if (status !== 200) throw new Error(`The handler answered ${status}`);
}

/** `iterations` handler calls and as many raw queries, interleaved in blocks, after a warm-up. */
async function compare(iterations: number, viaHandler: (i: number) => Promise<unknown>, raw: (i: number) => Promise<unknown>): Promise<[LatencySummary, LatencySummary]> {
  const warmUp = Math.min(200, iterations);
  for (let i = 0; i < warmUp; i += 1) {
    await viaHandler(i);
    await raw(i);
  }
  const handlerSamples: number[] = [];
  const rawSamples: number[] = [];
  let handlerCpu = 0;
  let rawCpu = 0;
  for (let done = 0; done < iterations; done += BLOCK) {
    const size = Math.min(BLOCK, iterations - done);
    let cpu = process.cpuUsage();
    for (let i = done; i < done + size; i += 1) await timed(handlerSamples, () => viaHandler(i));
    handlerCpu += cpuMicros(cpu);
    cpu = process.cpuUsage();
    for (let i = done; i < done + size; i += 1) await timed(rawSamples, () => raw(i));
    rawCpu += cpuMicros(cpu);
  }
  return [summary(handlerSamples, handlerCpu), summary(rawSamples, rawCpu)];
}

async function main(task: WarmTask): Promise<void> {
  const handler = await importHandler(pathToFileURL(task.bundle).href);
  const eventFor = (i: number): unknown => task.getEvents[i % task.getEvents.length];
  await expectOk(handler, eventFor(0));
  await expectOk(handler, task.listEvent);
  const init = memory();

  const client = new pg.Client(task.database);
  await client.connect();
  const [getHandler, getRaw] = await compare(task.iterations, (i) => expectOk(handler, eventFor(i)), (i) => client.query(GET_SQL, [task.todoIds[i % task.todoIds.length]]));
  const [listHandler, listRaw] = await compare(task.iterations, () => expectOk(handler, task.listEvent), () => client.query(LIST_SQL));
  await client.end();

  // Memory: keep invoking (alternating the two routes) up to the total; read at half and at the end.
  let invocations = 2 * (task.iterations + Math.min(200, task.iterations)) + 2;
  const half = Math.floor(task.memoryInvocations / 2);
  let atHalf: { rss: number; heap: number } | undefined;
  for (; invocations < task.memoryInvocations; invocations += 1) {
    await (invocations % 2 === 0 ? expectOk(handler, eventFor(invocations)) : expectOk(handler, task.listEvent));
    if (invocations === half) atHalf = memory();
  }
  const end = memory();
  const result: WarmResult = {
    getHandler,
    getRaw,
    listHandler,
    listRaw,
    memory: {
      rssAfterInitMb: init.rss,
      rssAfterHalfMb: (atHalf ?? end).rss,
      rssAfterAllMb: end.rss,
      heapAfterInitMb: init.heap,
      heapAfterHalfMb: (atHalf ?? end).heap,
      heapAfterAllMb: end.heap,
      invocations: Math.max(invocations, task.memoryInvocations),
    },
  };
  respond(result);
}

main(readTask('warm')).catch(fail);
