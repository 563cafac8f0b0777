/**
 * One cold start: a fresh process imports the bundle and serves one request. Times are taken from
 * just before the `import()`, so Node's own boot (identical for every bundle) is left out.
 */
import { pathToFileURL } from 'node:url';
import { context, fail, importHandler, readTask, respond, statusOf } from './io';
import type { ColdResult } from './protocol';

async function main(): Promise<void> {
  const task = readTask('cold');
  const cpu = process.cpuUsage();
  const started = performance.now();
  const handler = await importHandler(pathToFileURL(task.bundle).href);
  const imported = performance.now();
  const importCpu = process.cpuUsage(cpu);
  const result = await handler(task.event, context(task.functionName));
  const answered = performance.now();
  const answerCpu = process.cpuUsage(cpu);
  const ms = (usage: NodeJS.CpuUsage): number => (usage.user + usage.system) / 1_000;
  const cold: ColdResult = {
    importMs: imported - started,
    firstResponseMs: answered - started,
    importCpuMs: ms(importCpu),
    firstResponseCpuMs: ms(answerCpu),
    statusCode: statusOf(result),
  };
  respond(cold);
}

main().catch(fail);
