/**
 * `tsx scripts/bundleCli.ts <function> <outdir>`: bundles one function with `bundleFunction`
 * (scripts/bundle.ts, the one definition of the esbuild settings and stubs) into `<outdir>/index.mjs`
 * (+ its source map). The Amplify backend runs this during synthesis (CDK local bundling, see
 * amplify/functions/bundledFunction.ts), so `npx ampx sandbox` deploys the same bundle that
 * `pnpm build`, the bundle test and the benchmark measure.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FUNCTION_NAMES, type FunctionName } from '@lambdas/shared';
import { bundleFunction } from './bundle';

const root = fileURLToPath(new URL('..', import.meta.url));

function isFunctionName(value: string | undefined): value is FunctionName {
  return (FUNCTION_NAMES as readonly string[]).includes(value ?? '');
}

async function main(): Promise<void> {
  const [fn, outdir] = process.argv.slice(2);
  if (!isFunctionName(fn) || outdir === undefined) {
    throw new Error(`usage: tsx scripts/bundleCli.ts <${FUNCTION_NAMES.join('|')}> <outdir>`);
  }
  const result = await bundleFunction(root, fn, resolve(outdir));
  // stderr: CDK shows it next to its own "Bundling asset …" line; stdout stays free for callers.
  process.stderr.write(`${fn}: ${(result.bytes / 1024).toFixed(1)} KiB (map ${(result.mapBytes / 1024).toFixed(1)} KiB)\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Bundling failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
