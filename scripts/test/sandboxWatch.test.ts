/**
 * `pnpm sandbox` watches what a deployment is built from and nothing else. Checked with the very
 * watcher `ampx sandbox` uses (@parcel/watcher, resolved through @aws-amplify/backend-cli) and the
 * ignore list ampx builds: `.amplify`, the root `.gitignore`'s patterns, then our `--exclude`s.
 */
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { SANDBOX_EXCLUDE, sandboxArguments } from '../sandbox';

const root = join(__dirname, '..', '..');
const fromCli = createRequire(require.resolve('@aws-amplify/backend-cli/package.json'));
const fromSandbox = createRequire(fromCli.resolve('@aws-amplify/sandbox'));
/** The part of @parcel/watcher's API used here (it is not a dependency of ours, so no types). */
interface Watcher {
  subscribe(dir: string, callback: (error: Error | null, events: Array<{ path: string; type: string }>) => void, options: { ignore: string[] }): Promise<{ unsubscribe(): Promise<void> }>;
}
const watcher = fromSandbox('@parcel/watcher') as Watcher;

/** The root `.gitignore` patterns as ampx reads them: a leading `/` dropped, negations ignored. */
function gitIgnored(): string[] {
  return readFileSync(join(root, '.gitignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#') && !line.startsWith('!'))
    .map((line) => line.replace(/^\//, ''));
}

let dir: string;
afterEach(() => rmSync(dir, { recursive: true, force: true }));

it('a saved handler, shared module, backend file or bundler setting redeploys; docs, tests, builds and dependencies do not', async () => {
  dir = realpathSync(mkdtempSync(join(tmpdir(), 'sandbox-watch-')));
  const files = {
    watched: ['lambdas/todos/src/handler.ts', 'lambdas/shared/src/http/handler.ts', 'amplify/backend.ts', 'amplify/auth/resource.ts', 'scripts/bundle.ts', 'lambdas/migrate/src/migrations/0003-x.ts', 'pnpm-lock.yaml'],
    ignored: [
      'docs/deploy.md',
      'README.md',
      'lambdas/todos/test/handler.test.ts',
      'lambdas/todos/dist/index.mjs',
      'node_modules/x/index.js',
      'lambdas/todos/node_modules/y/index.js',
      'examples/web/src/main.ts',
      'bench/run.ts',
      '.tmp/dev-postgres/x',
      '.amplify/artifacts/x',
      'amplify_outputs.json',
      'cdk.out/manifest.json',
      'scripts/test/x.test.ts',
    ],
  };
  for (const file of [...files.watched, ...files.ignored]) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    writeFileSync(join(dir, file), 'before\n');
  }
  const seen = new Set<string>();
  const subscription = await watcher.subscribe(dir, (error, events) => {
    if (!error) for (const event of events) seen.add(relative(dir, event.path));
  }, { ignore: ['.amplify', ...gitIgnored(), ...SANDBOX_EXCLUDE] });
  try {
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const file of [...files.watched, ...files.ignored]) writeFileSync(join(dir, file), 'after\n');
    const deadline = Date.now() + 5_000;
    while (files.watched.some((file) => !seen.has(file)) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    await new Promise((resolve) => setTimeout(resolve, 300)); // late events for ignored files would arrive by now
  } finally {
    await subscription.unsubscribe();
  }
  expect([...seen].filter((file) => files.watched.includes(file)).sort()).toEqual([...files.watched].sort());
  expect([...seen].filter((file) => !files.watched.includes(file))).toEqual([]);
});

it('runs ampx sandbox on the repository root with the exclusions last, passing other options through', () => {
  expect(sandboxArguments(['--profile', 'dev'])).toEqual(['sandbox', '--profile', 'dev', '--dir-to-watch', '.', '--exclude', ...SANDBOX_EXCLUDE]);
  expect(sandboxArguments([])).toEqual(['sandbox', '--dir-to-watch', '.', '--exclude', ...SANDBOX_EXCLUDE]);
});

it('adds no watch options where ampx refuses or ignores them: --once (which conflicts with them) and subcommands', () => {
  for (const extra of [['--once'], ['--once', '--profile', 'dev'], ['delete'], ['delete', '--yes'], ['secret', 'list']]) {
    const args = sandboxArguments(extra);
    expect(args).toEqual(['sandbox', ...extra]);
    expect(args.filter((arg) => arg === '--exclude' || arg === '--dir-to-watch')).toEqual([]);
  }
});
