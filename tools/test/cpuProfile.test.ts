/**
 * `selfTimeByBucket` on a real profile: a bundle whose dependency burns CPU, run by `node --cpu-prof`,
 * must have that time attributed (through the source map) to the dependency's package.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { selfTimeByBucket, sourceBucket, type CpuProfile } from '../cpuProfile';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'cpu-profile-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('names packages the way pnpm lays them out, and project files from the repository root', () => {
  expect(sourceBucket('../../node_modules/.pnpm/sequelize@6.37.8_pg@8/node_modules/sequelize/lib/model.js')).toBe('sequelize');
  expect(sourceBucket('../node_modules/.pnpm/@smithy+core@3.41.0/node_modules/@smithy/core/dist-es/index.js')).toBe('@smithy/core');
  expect(sourceBucket('../../node_modules/zod/v4/core/schemas.js')).toBe('zod');
  expect(sourceBucket('../../../lambdas/shared/src/db/connection.ts')).toBe('lambdas/shared/src/db/connection.ts');
});

test('attributes a dependency’s CPU time to its package through the source map', async () => {
  const pkg = join(dir, 'node_modules', 'busy-pkg');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'busy-pkg', main: 'index.js' }));
  // ~150 ms of pure computation, in a function V8 cannot fold away.
  writeFileSync(join(pkg, 'index.js'), 'exports.burn = function burn(ms) { const end = Date.now() + ms; let x = 0; while (Date.now() < end) x += Math.sqrt(x + 1); return x; };\n');
  writeFileSync(join(dir, 'entry.js'), "import { burn } from 'busy-pkg';\nconsole.log(burn(150) > 0);\n");
  const outfile = join(dir, 'out', 'index.mjs');
  await build({ entryPoints: [join(dir, 'entry.js')], outfile, bundle: true, platform: 'node', format: 'esm', sourcemap: true, minify: true, logLevel: 'error', absWorkingDir: dir });

  const profiles = join(dir, 'profiles');
  execFileSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${profiles}`, '--cpu-prof-interval=500', outfile], { stdio: 'ignore' });
  const parsed = readdirSync(profiles).map((file) => JSON.parse(readFileSync(join(profiles, file), 'utf8')) as CpuProfile);
  expect(parsed).toHaveLength(1);

  const buckets = selfTimeByBucket(parsed, pathToFileURL(outfile).href, JSON.parse(readFileSync(`${outfile}.map`, 'utf8')));
  const busy = buckets.find((bucket) => bucket.name === 'busy-pkg');
  expect(busy?.ms).toBeGreaterThan(75);
  expect(busy?.inBundle).toBe(true);
  expect(buckets.filter((bucket) => bucket.name.startsWith('V8: ') || bucket.name.startsWith('Node: ')).every((bucket) => !bucket.inBundle)).toBe(true);
  // The largest bucket of all, and the shares add up to the whole.
  expect(buckets[0]?.name).toBe('busy-pkg');
  expect(buckets.reduce((sum, bucket) => sum + bucket.share, 0)).toBeCloseTo(1, 5);
});
