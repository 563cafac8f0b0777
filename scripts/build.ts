/**
 * `pnpm build`: bundles every function to `lambdas/<name>/dist/index.mjs` and prints the sizes.
 * `pnpm build --why` also prints, per function, the packages its bytes come from (esbuild metafile).
 */
import { fileURLToPath } from 'node:url';
import { FUNCTION_NAMES } from '@lambdas/shared';
import { bundleFunction } from './bundle';
import { bytesByPackage } from './bundleReport';

const root = fileURLToPath(new URL('..', import.meta.url));
const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

async function main(): Promise<void> {
  const started = performance.now();
  const results = await Promise.all(FUNCTION_NAMES.map((fn) => bundleFunction(root, fn)));
  for (const result of results) {
    process.stdout.write(`${result.fn.padEnd(8)} ${kib(result.bytes).padStart(12)}  (map ${kib(result.mapBytes)})  ${result.outfile.slice(root.length)}\n`);
    if (process.argv.includes('--why')) {
      for (const { name, bytes } of bytesByPackage(result.metafile, result.outfile).slice(0, 15)) process.stdout.write(`    ${kib(bytes).padStart(12)}  ${name}\n`);
    }
  }
  process.stdout.write(`Built ${results.length} functions in ${Math.round(performance.now() - started)} ms\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Build failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
