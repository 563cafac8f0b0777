/** Runs one bundled worker in a fresh `node` and returns its `BENCH_RESULT` (see workers/io.ts). */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import type { Task } from './workers/protocol';

/** Which `node` runs the workers (`workerNode.ts`); set once by `pnpm bench`. */
let nodePath = process.execPath;
export function useWorkerNode(path: string): void {
  nodePath = path;
}

export interface WorkerRun {
  file: string;
  task: Task;
  env: NodeJS.ProcessEnv;
  cwd: string;
  nodeArgs?: string[];
  timeoutMs?: number;
}

function collect(stream: Readable | null | undefined): () => string {
  const chunks: Buffer[] = [];
  stream?.on('data', (chunk: Buffer) => chunks.push(chunk));
  return () => Buffer.concat(chunks).toString('utf8');
}

let tasks = 0;

export function runWorker<R>(run: WorkerRun): Promise<R> {
  tasks += 1;
  const taskFile = join(run.cwd, `task-${tasks}.json`);
  writeFileSync(taskFile, JSON.stringify(run.task));
  return new Promise<R>((resolve, reject) => {
    // stdout (the functions' JSON logs) goes nowhere, as cheaply as Lambda's log pipe allows.
    const child = spawn(nodePath, [...(run.nodeArgs ?? []), run.file], {
      cwd: run.cwd,
      env: { ...run.env, BENCH_TASK_FILE: taskFile },
      stdio: ['ignore', 'ignore', 'pipe', 'pipe'],
    });
    const stderr = collect(child.stderr);
    const results = collect(child.stdio[3] as Readable);
    const timer = setTimeout(() => child.kill('SIGKILL'), run.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const line = results().split('\n').find((l) => l.startsWith('BENCH_RESULT '));
      if (code !== 0 || !line) {
        reject(new Error(`${run.task.kind} worker exited with ${code}: ${stderr().slice(-2_000)}`));
        return;
      }
      resolve(JSON.parse(line.slice('BENCH_RESULT '.length)) as R);
    });
  }).finally(() => rmSync(taskFile, { force: true }));
}
