/**
 * Where a bundle's bytes come from, by npm package (or `(project)` for the workspace's own code),
 * from esbuild's metafile: how docs/performance.md's "what each optimisation bought" was measured,
 * and how to measure the next cut (`pnpm build --why`).
 */
import type { Metafile } from 'esbuild';

export interface PackageBytes {
  name: string;
  bytes: number;
}

/** `node_modules/.pnpm/x@1/node_modules/@scope/name/lib/a.js` → `@scope/name`; the project's own files → `(project)`. */
export function packageOf(inputPath: string): string {
  const parts = inputPath.split('node_modules/');
  const last = parts.at(-1);
  if (parts.length < 2 || last === undefined) return '(project)';
  const segments = last.split('/');
  return segments[0]?.startsWith('@') ? `${segments[0]}/${segments[1] ?? ''}` : (segments[0] ?? '(project)');
}

/** Bytes each package contributes to `outfile`, largest first. */
export function bytesByPackage(metafile: Metafile, outfile: string): PackageBytes[] {
  const output = Object.entries(metafile.outputs).find(([path]) => outfile.endsWith(path) || path.endsWith(outfile.split('/').slice(-2).join('/')))?.[1];
  if (!output) throw new Error(`The metafile has no output ${outfile}`);
  const totals = new Map<string, number>();
  for (const [input, { bytesInOutput }] of Object.entries(output.inputs)) {
    const name = packageOf(input);
    totals.set(name, (totals.get(name) ?? 0) + bytesInOutput);
  }
  return [...totals].map(([name, bytes]) => ({ name, bytes })).sort((a, b) => b.bytes - a.bytes);
}
