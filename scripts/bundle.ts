/**
 * The one definition of how a function is bundled for Lambda (used by `pnpm build`, the bundle test,
 * the benchmarks and the Amplify deployment, through `bundleCli.ts`): ESM for Node 22, minified, with
 * source maps.
 * - `require` shim: Sequelize and pg are CommonJS and call `require` for Node built-ins, which an
 *   ESM bundle lacks. `createRequire` gives them one.
 * - `pg-native` stays external: pg only loads it when asked for the native binding (never here).
 * - `lambdaStubs` (bundleStubs.ts) replaces what a UTC-only PostgreSQL function never reads
 *   (moment-timezone's zone data, zod's locales, Sequelize's other dialects…): 2.5 MB → under 1 MB.
 * - The entry (`earlyFetchEntry`) starts the Secrets Manager fetch before the handler's modules are
 *   evaluated, with a top-level await in a bundle-only first module; the handler modules themselves
 *   have none.
 * - `eagerWrappers` (eagerWrappers.ts) writes esbuild's CommonJS wrappers as function expressions,
 *   which V8 compiles in one pass instead of pre-parsing them and parsing each again when required.
 * - Sequelize gets `pg` through `dialectModule` (shared `database.ts`), not a runtime `require('pg')`,
 *   so the bundle does not need a node_modules folder; `pg-hstore` is a real dependency of shared.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { build, type BuildOptions, type Metafile, type Plugin } from 'esbuild';
import type { FunctionName } from '@lambdas/shared';
import { lambdaStubs } from './bundleStubs';
import { eagerWrappers } from './eagerWrappers';

export const REQUIRE_SHIM = "import { createRequire } from 'module'; const require = createRequire(import.meta.url);";

export const BUNDLE_FILE = 'index.mjs';

export interface BundleVariant {
  /**
   * Wrap the handler in an entry that opens the database (credentials, first connection) during
   * Lambda's init phase with a top-level await. Only the bundle gets it: handler modules stay free
   * of top-level await so jest (CommonJS) can import them. Measured by `pnpm bench`.
   */
  warmUp?: boolean;
  /**
   * Start the credential fetch before the handler's modules are evaluated (`earlyFetchEntry`), so the
   * Secrets Manager round trip overlaps Sequelize's evaluation. On by default (adopted: `pnpm bench`'s
   * latency variant measured 0.94x–0.96x of the plain entry's first response, docs/performance.md);
   * `false` builds the plain entry (the handler module itself), which the bench compares against.
   */
  earlyFetch?: boolean;
  /**
   * Another module as the entry, bundled with the functions' settings (stubs, wrappers, target):
   * the bench's floors, the overload tests' container. It replaces the generated entries above.
   */
  entry?: string;
}

/**
 * The generated entry of the `earlyFetch` variant. ES modules evaluate in import order, and esbuild
 * keeps that order in its one output file (CommonJS packages such as Sequelize, pg and lodash run
 * where their first importer does). So the entry imports, first, a module that starts the fetch and
 * awaits (top level) until its request is on the wire, and only then the handler: Sequelize, the
 * models and the schemas evaluate while Secrets Manager answers. That first module exists only in
 * the bundle (`PREFETCH_MODULE`): handler modules keep no top-level await, so jest (CommonJS) and
 * `pnpm dev` import them as before.
 */
export function earlyFetchEntry(fn: FunctionName): string {
  return [`import '${PREFETCH_MODULE}';`, `export { handler } from './lambdas/${fn}/src/handler.ts';`].join('\n');
}

/** The bundle-only module the `earlyFetch` entry imports first. */
const PREFETCH_MODULE = 'lambda-entry:prefetch';

const prefetchModule: Plugin = {
  name: 'lambda-entry-prefetch',
  setup(build) {
    build.onResolve({ filter: /^lambda-entry:prefetch$/ }, (args) => ({ path: args.path, namespace: 'lambda-entry' }));
    build.onLoad({ filter: /.*/, namespace: 'lambda-entry' }, () => ({
      contents: "import { prefetchCredentials } from './lambdas/shared/src/prefetch.ts';\nawait prefetchCredentials();",
      resolveDir: build.initialOptions.absWorkingDir,
      loader: 'ts',
    }));
  },
};

/** The generated entry of the `warmUp` variant: failures are left for the first invocation to report. */
export function warmUpEntry(fn: FunctionName): string {
  return [
    `export { handler } from './lambdas/${fn}/src/handler.ts';`,
    "import { connectToDatabase } from '@lambdas/shared';",
    'await connectToDatabase().catch(() => undefined);',
  ].join('\n');
}

export function bundleOptions(root: string, fn: FunctionName, outdir = join(root, 'lambdas', fn, 'dist'), variant: BundleVariant = {}): BuildOptions & { outfile: string } {
  const generated = variant.entry !== undefined ? undefined : variant.warmUp ? warmUpEntry(fn) : variant.earlyFetch !== false ? earlyFetchEntry(fn) : undefined;
  const entry: BuildOptions =
    generated !== undefined
      ? { stdin: { contents: generated, resolveDir: root, sourcefile: `lambdas/${fn}/src/lambda-entry.ts`, loader: 'ts' } }
      : { entryPoints: [variant.entry ?? join(root, 'lambdas', fn, 'src', 'handler.ts')] };
  return {
    absWorkingDir: root,
    ...entry,
    outfile: join(outdir, BUNDLE_FILE),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    sourcemap: true,
    // Maps for stack traces (NODE_OPTIONS=--enable-source-maps); the sources themselves stay out of the artifact.
    sourcesContent: false,
    // Pick packages' ESM builds where they ship one (smaller, tree-shakeable).
    mainFields: ['module', 'main'],
    external: ['pg-native'],
    banner: { js: REQUIRE_SHIM },
    legalComments: 'none',
    plugins: [lambdaStubs, prefetchModule, eagerWrappers],
    metafile: true,
    logLevel: 'error',
  };
}

export interface BundleResult {
  fn: FunctionName;
  outfile: string;
  bytes: number;
  mapBytes: number;
  metafile: Metafile;
}

export async function bundleFunction(root: string, fn: FunctionName, outdir?: string, variant?: BundleVariant): Promise<BundleResult> {
  const options = bundleOptions(root, fn, outdir, variant);
  const result = await build(options);
  return { fn, outfile: options.outfile, bytes: statSync(options.outfile).size, mapBytes: statSync(`${options.outfile}.map`).size, metafile: result.metafile! };
}
