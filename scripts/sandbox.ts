/**
 * `pnpm sandbox [ampx sandbox options]`: `npx ampx sandbox` set up for this repository.
 *
 * `ampx sandbox` watches `./amplify` alone by default, but the handlers live in `lambdas/` and are
 * bundled by `scripts/bundle.ts`: saving `lambdas/todos/src/handler.ts` would redeploy nothing. So
 * this watches the repository root (`--dir-to-watch .`, one directory is all ampx takes) and
 * excludes everything a deployment does not depend on. ampx itself also ignores `.amplify`,
 * `amplify_outputs.json` and the root `.gitignore`'s entries. A change then redeploys by CDK hotswap
 * where it can (a function's code), by a CloudFormation update otherwise.
 *
 * Invalid `DEPLOY_*` settings are reported here, before ampx starts (and `amplify/backend.ts`
 * reports them again before it bundles anything, for plain `npx ampx sandbox`).
 */
import { spawnSync } from 'node:child_process';
import { readSettings, SettingsError } from '../amplify/settings';

/**
 * What the sandbox does not watch: `--exclude` values, relative to the repository root; globs are
 * matched against the path relative to it (ampx passes them to @parcel/watcher). Both `x/**` forms
 * are needed: Linux skips an ignored folder, macOS checks each file path.
 */
export const SANDBOX_EXCLUDE = [
  '.git',
  '.ci',
  '.tmp',
  'bench',
  'docs',
  'examples',
  'testing',
  'tools',
  'cdk.out',
  'coverage',
  'scripts/localApi',
  'scripts/test',
  '**/node_modules',
  '**/node_modules/**',
  '**/dist/**',
  '**/test/**',
  '**/*.md',
] as const;

/**
 * The `ampx` command line. Watch options are added only when the sandbox will watch: `--once`
 * conflicts with them (ampx refuses the combination), and a subcommand (`delete`, `secret`, …)
 * does not watch. They go last because `--exclude` takes every value after it: a user's option or
 * subcommand after the list would be read as one more path to exclude.
 */
export function sandboxArguments(extra: readonly string[]): string[] {
  const subcommand = extra[0] !== undefined && !extra[0].startsWith('-');
  const watching = !subcommand && !extra.includes('--once');
  return ['sandbox', ...extra, ...(watching ? ['--dir-to-watch', '.', '--exclude', ...SANDBOX_EXCLUDE] : [])];
}

function main(): void {
  try {
    readSettings(process.env);
  } catch (error) {
    if (!(error instanceof SettingsError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  const run = spawnSync('ampx', sandboxArguments(process.argv.slice(2)), { stdio: 'inherit' });
  if (run.error) process.stderr.write(`Could not start ampx: ${run.error.message}\n`);
  process.exit(run.status ?? 1);
}

if (process.argv[1]?.endsWith('sandbox.ts')) main();
