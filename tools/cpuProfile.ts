/**
 * Where a cold start's CPU goes, by package: V8 CPU profiles (`node --cpu-prof`) of processes that
 * ran a bundle, with each sample's self time attributed through the bundle's source map to the npm
 * package (or project file) it came from. `pnpm bench:profile` prints the table; docs/performance.md
 * explains how to read it.
 *
 * The sampler's own overhead inflates every bucket roughly alike, so the table gives shares and
 * milliseconds per run, to compare buckets with each other and runs with runs, not with `pnpm bench`.
 */
import { SourceMap, type SourceMapPayload } from 'node:module';
import { packageOf } from '../scripts/bundleReport';

/** The parts of a `.cpuprofile` (Chrome DevTools' format) read here. */
export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number } }>;
  samples: number[];
  /** Microseconds before each sample (the first is from the profile's start). */
  timeDeltas: number[];
}

export interface Bucket {
  name: string;
  /** Code of the bundle itself (a package, a project file or esbuild's wrappers), not V8, Node or another script. */
  inBundle: boolean;
  /** Self time per profile (the mean over the profiles given). */
  ms: number;
  share: number;
}

/**
 * V8's own work has no source position: `(garbage collector)`, `(program)` (mostly parsing and
 * compiling outside any function), `(idle)`. Node's modules are grouped by their first path segment.
 */
function runtimeBucket(frame: CpuProfile['nodes'][number]['callFrame']): string {
  if (frame.url.startsWith('node:internal/modules/esm/utils') && frame.functionName === 'compileSourceTextModule') return 'V8: compiling the bundle (module parse)';
  if (frame.url.startsWith('node:internal/bootstrap/realm') && frame.functionName === 'compileForInternalLoader') return "Node: loading its built-in modules";
  if (frame.url.startsWith('node:')) return `Node: ${frame.url.slice('node:'.length).replace(/^internal\//, '').split('/')[0]}`;
  if (frame.url === '') return frame.functionName === '' ? '(native)' : `V8: ${frame.functionName}`;
  return frame.url;
}

/**
 * The npm package a source belongs to, as `pnpm build --why` names it (`scripts/bundleReport.ts`);
 * a project file by its path from the repository root instead of `(project)`, since a profile's
 * question is which of the project's modules costs.
 */
export function sourceBucket(source: string): string {
  const name = packageOf(source);
  if (name !== '(project)') return name;
  const project = /(?:^|\/)((?:lambdas|scripts|bench|tools)\/.*)$/.exec(source);
  return project?.[1] ?? source;
}

/**
 * Self time by bucket over `profiles` (each one process), for the bundle at `bundleUrl` (a `file:`
 * URL, as V8 reports it) whose source map is `map`. Code of the bundle with no mapping (esbuild's
 * module wrappers and helpers, which V8 blames for compiling what they call first) is
 * "bundle: module wrappers".
 */
export function selfTimeByBucket(profiles: CpuProfile[], bundleUrl: string, map: SourceMapPayload): Bucket[] {
  const sourceMap = new SourceMap(map);
  const totals = new Map<string, number>();
  const ofBundle = new Set<string>();
  let all = 0;
  for (const profile of profiles) {
    const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, i) => {
      const frame = nodes.get(id)?.callFrame;
      const ms = (profile.timeDeltas[i] ?? 0) / 1_000;
      if (!frame) return;
      let bucket: string;
      if (frame.url === bundleUrl) {
        const entry = sourceMap.findEntry(frame.lineNumber, frame.columnNumber);
        const source = 'originalSource' in entry ? entry.originalSource : undefined;
        bucket = source ? sourceBucket(source) : 'bundle: module wrappers';
        ofBundle.add(bucket);
      } else {
        bucket = runtimeBucket(frame);
      }
      totals.set(bucket, (totals.get(bucket) ?? 0) + ms);
      all += ms;
    });
  }
  const runs = Math.max(profiles.length, 1);
  return [...totals]
    .map(([name, ms]) => ({ name, inBundle: ofBundle.has(name), ms: ms / runs, share: all === 0 ? 0 : ms / all }))
    .sort((a, b) => b.ms - a.ms);
}
