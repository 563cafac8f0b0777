/** Invokes a bundle's handler N times, in sequence or all at once (Secrets Manager traffic, migrations). */
import { pathToFileURL } from 'node:url';
import { context, fail, importHandler, readTask, respond, statusOf } from './io';
import type { InvokeResult } from './protocol';

async function main(): Promise<void> {
  const task = readTask('invoke');
  const handler = await importHandler(pathToFileURL(task.bundle).href);
  const started = performance.now();
  const event = (i: number): unknown => task.events[i % task.events.length];
  let results: unknown[];
  if (task.concurrent) {
    results = await Promise.all(Array.from({ length: task.invocations }, (_, i) => handler(event(i), context(task.functionName))));
  } else {
    results = [];
    for (let i = 0; i < task.invocations; i += 1) results.push(await handler(event(i), context(task.functionName)));
  }
  const statusCodes: Record<string, number> = {};
  for (const result of results) statusCodes[statusOf(result)] = (statusCodes[statusOf(result)] ?? 0) + 1;
  const answer: InvokeResult = { statusCodes, durationMs: performance.now() - started, first: results[0] };
  respond(answer);
}

main().catch(fail);
