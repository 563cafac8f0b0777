/**
 * Lambda containers as separate processes, for the overload test (`lambdas/todos/test/overload.test.ts`)
 * and `pnpm bench:scale`: each runs the real `todos` handler, bundled with the deployed settings
 * (`scripts/bundle.ts`), with its own pool, one invocation at a time (`tools/lambdaContainer.ts`).
 * A container can be frozen (SIGSTOP) as Lambda freezes one between invocations: its timers stop,
 * its pooled connections stay open.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { bundleFunction } from '../scripts/bundle';
import type { ContainerMessage, ContainerRequest, RunReport } from './containerProtocol';
import type { FakeSecretsManager } from './fakeSecretsManager';

export type { RunReport } from './containerProtocol';
export type RunTask = Omit<Extract<ContainerRequest, { type: 'run' }>, 'type' | 'id'>;

/** Bundles `tools/lambdaContainer.ts` (the todos handler inside) into `outdir`; returns the file to run. */
export async function buildContainerBundle(root: string, outdir: string): Promise<string> {
  // The container's own entry replaces the generated early-fetch entry (its cold start is not measured here).
  return (await bundleFunction(root, 'todos', outdir, { entry: join(root, 'tools', 'lambdaContainer.ts') })).outfile;
}

/**
 * A container's environment as Lambda's would be in production: its password from `secret` in
 * `fake` (the local Secrets Manager), `name` as the function's name, which PostgreSQL shows as each
 * session's application_name (which container holds which slot), plus `extra` (e.g. DB_POOLER).
 */
export function containerEnv(name: string, secret: string, fake: FakeSecretsManager, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    NODE_ENV: 'production',
    DB_SECRET_NAME: secret,
    AWS_LAMBDA_FUNCTION_NAME: name,
    POWERTOOLS_SERVICE_NAME: 'todos',
    POWERTOOLS_LOG_LEVEL: 'INFO',
    ...extra,
  };
  fake.configureEnvironment(env);
  return env;
}

/** Log lines that must never appear under overload: a credential search, or an error answered as a 500. */
const CREDENTIAL_SEARCH = /rejected the cached credentials|re-reading the secret|"versionStage"|refreshed credentials/;
const UNHANDLED = /Unhandled error/;

export interface ContainerOptions {
  name: string;
  /** The whole environment of the process (nothing is inherited). */
  env: NodeJS.ProcessEnv;
  /** The `node` to run it with (default: this one). */
  node?: string;
  /** Keep the function's log output (for a secrets scan); otherwise only the counts below are kept. */
  keepLogs?: boolean;
}

export class Container {
  readonly name: string;
  /** The function's stdout (its JSON log lines) when `keepLogs`, and its stderr always. */
  logs = '';
  credentialSearchLines = 0;
  unhandledLines = 0;
  exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  frozen = false;
  private readonly child: ChildProcess;
  private readonly waiting = new Map<number, { resolve: (message: ContainerMessage) => void; reject: (error: Error) => void }>();
  private next = 0;
  private partial = '';

  private constructor(child: ChildProcess, options: ContainerOptions) {
    this.name = options.name;
    this.child = child;
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => this.scan(chunk, options.keepLogs === true));
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
      this.logs += chunk;
    });
    child.on('message', (message: ContainerMessage) => {
      if (message.type === 'ready') return;
      const waiter = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      waiter?.resolve(message);
    });
    child.on('exit', (code, signal) => {
      this.exit = { code, signal };
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`container ${this.name} exited (${code ?? signal}): ${this.logs.slice(-1_000)}`));
      this.waiting.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  private scan(chunk: string, keep: boolean): void {
    if (keep) this.logs += chunk;
    const lines = (this.partial + chunk).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (CREDENTIAL_SEARCH.test(line)) this.credentialSearchLines += 1;
      if (UNHANDLED.test(line)) this.unhandledLines += 1;
    }
  }

  static start(bundle: string, options: ContainerOptions): Promise<Container> {
    const child = fork(bundle, [], { execPath: options.node ?? process.execPath, env: options.env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    const container = new Container(child, options);
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve(container));
      child.once('exit', (code) => reject(new Error(`container ${options.name} exited (${code}) before it was ready: ${container.logs.slice(-2_000)}`)));
      child.once('error', reject);
    });
  }

  private ask(request: ContainerRequest & { id: number }): Promise<ContainerMessage> {
    return new Promise((resolve, reject) => {
      if (this.exit) {
        reject(new Error(`container ${this.name} has exited`));
        return;
      }
      this.waiting.set(request.id, { resolve, reject });
      this.child.send(request);
    });
  }

  /** Invokes the handler as `task` says; resolves when the container has finished (a frozen one finishes after its thaw). */
  async run(task: RunTask): Promise<RunReport> {
    const answer = await this.ask({ type: 'run', id: (this.next += 1), ...task });
    if (answer.type !== 'ran') throw new Error(`container ${this.name}: ${answer.type === 'failed' ? answer.error : answer.type}`);
    return answer;
  }

  /** Closes the container's pool (its connections are given back); the next invocation opens new ones. */
  async closePool(): Promise<void> {
    await this.ask({ type: 'close', id: (this.next += 1) });
  }

  /** Lambda freezing the container between invocations: nothing in it runs, its sockets stay open. */
  freeze(): void {
    this.child.kill('SIGSTOP');
    this.frozen = true;
  }

  thaw(): void {
    this.child.kill('SIGCONT');
    this.frozen = false;
  }

  /** Closes the pool and ends the process; resolves with its exit code (SIGKILL after `graceMs`). */
  async stop(graceMs = 5_000): Promise<number | null> {
    if (this.frozen) this.thaw();
    if (!this.exit) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.send({ type: 'exit' } satisfies ContainerRequest);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    }
    return this.exit?.code ?? null;
  }
}

/** Starts `count` containers, a few at a time (each start is a Node process loading a ~1 MB bundle). */
export async function startContainers(bundle: string, count: number, options: (index: number) => ContainerOptions, parallel = 4): Promise<Container[]> {
  const containers: Container[] = [];
  for (let first = 0; first < count; first += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - first) }, (_, i) => Container.start(bundle, options(first + i)));
    containers.push(...(await Promise.all(batch)));
  }
  return containers;
}
