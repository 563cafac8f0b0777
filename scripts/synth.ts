/**
 * `pnpm synth`: synthesises the Amplify backend offline, as `npx ampx sandbox` would before
 * deploying, into `cdk.out/`, with every function bundled for real by the project's bundler
 * (`scripts/bundle.ts`, through amplify/functions/bundledFunction.ts), then prints each function's
 * asset size: what the sandbox uploads. No AWS credentials or network: `SYNTH_CONTEXT` holds what
 * the Amplify and CDK CLIs would otherwise pass. Deployment settings (`DEPLOY_*`, see
 * amplify/settings.ts) are read from the environment as usual.
 *
 *   pnpm synth                                # provisioned database (the default)
 *   DEPLOY_DB_MODE=existing DEPLOY_DB_HOST=… pnpm synth
 */
import { spawnSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SYNTH_CONTEXT, assetReport, formatBytes } from './synthReport';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = join(root, 'cdk.out');

// Stale assets from an earlier run would be reported as if they were current.
rmSync(outdir, { recursive: true, force: true });

const started = performance.now();
// A child process, like the Amplify CLI: CDK writes the cloud assembly when the backend program exits.
const result = spawnSync(process.execPath, ['--import', 'tsx', join(root, 'amplify', 'backend.ts')], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(SYNTH_CONTEXT) },
});
if (result.status !== 0) {
  console.error(`Synthesis failed (exit ${result.status ?? result.signal}).`);
  process.exit(result.status ?? 1);
}

const report = assetReport(outdir);
if (report.length === 0) {
  console.error('Synthesis produced no function assets: was bundling skipped?');
  process.exit(1);
}
console.log(`\nSynthesised into ${relative(process.cwd(), outdir) || '.'} in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
console.log('function   bundle (index.mjs)   asset (with source map)   directory');
for (const entry of report.sort((a, b) => a.function.localeCompare(b.function))) {
  console.log(`${entry.function.padEnd(10)} ${formatBytes(entry.bundleBytes).padStart(18)}   ${formatBytes(entry.totalBytes).padStart(23)}   ${relative(root, join(outdir, entry.assetDir))}`);
}
