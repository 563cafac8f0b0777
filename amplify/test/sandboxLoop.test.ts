/**
 * The `npx ampx sandbox` loop: what makes a redeploy cheap (nothing in the synthesis changes unless
 * its input did) and a mistake quick to see (bad settings are reported before any bundling). Each
 * synthesis runs as `ampx` runs it: `amplify/backend.ts` in a process of its own.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { SYNTH_CONTEXT } from '../../scripts/synthReport';
import { MIGRATIONS_DIR, migrationsFingerprint } from '../database/migrations';
import { resources, type Json } from './support/templates';

const root = join(__dirname, '..', '..');
const run = promisify(execFile);
const scratch: string[] = [];
afterAll(() => scratch.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const tempDir = (prefix: string): string => {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
};

/** Synthesises the backend into a fresh directory; returns it, or the failure's output. */
async function synthesize(settings: Record<string, string>, bundling: boolean): Promise<{ outdir: string; ok: boolean; output: string }> {
  const outdir = tempDir('sandbox-loop-');
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('DEPLOY_')));
  const context = { ...SYNTH_CONTEXT, ...(bundling ? {} : { 'aws:cdk:bundling-stacks': [] }) };
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', join(root, 'amplify', 'backend.ts')], {
      cwd: root,
      env: { ...env, ...settings, CDK_OUTDIR: outdir, CDK_CONTEXT_JSON: JSON.stringify(context) },
    });
    return { outdir, ok: true, output: stdout + stderr };
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string };
    return { outdir, ok: false, output: `${failed.stdout ?? ''}${failed.stderr ?? ''}` };
  }
}

function triggerProperties(outdir: string): Json[] {
  return readdirSync(outdir)
    .filter((file) => file.endsWith('.template.json'))
    .flatMap((file) => resources(JSON.parse(readFileSync(join(outdir, file), 'utf8')) as Json, 'Custom::Trigger').map(([, r]) => r.Properties ?? {}));
}

test('two syntheses of unchanged migrations give the migration trigger identical input (no rerun, hotswap stays possible)', async () => {
  const [first, second] = await Promise.all([synthesize({}, false), synthesize({}, false)]);
  expect([first.ok, second.ok]).toEqual([true, true]);
  const [a, b] = [triggerProperties(first.outdir), triggerProperties(second.outdir)];
  expect(a).toHaveLength(1);
  expect(a[0]?.Migrations).toBe(migrationsFingerprint());
  expect(b).toEqual(a);
}, 120_000);

test('the fingerprint changes when a migration file changes, is added or is renamed', () => {
  const copy = tempDir('migrations-');
  cpSync(MIGRATIONS_DIR, copy, { recursive: true });
  const original = migrationsFingerprint(copy);
  expect(original).toBe(migrationsFingerprint());

  const [first] = readdirSync(copy).filter((name) => /^\d{4}-/.test(name)).sort();
  const file = join(copy, first!);
  const text = readFileSync(file, 'utf8');
  writeFileSync(file, `${text}\n// a changed migration\n`);
  const edited = migrationsFingerprint(copy);
  expect(edited).not.toBe(original);
  writeFileSync(file, text);
  expect(migrationsFingerprint(copy)).toBe(original);

  writeFileSync(join(copy, '9999-new.ts'), 'export {};\n');
  expect(migrationsFingerprint(copy)).not.toBe(original);
  rmSync(join(copy, '9999-new.ts'));
  cpSync(file, join(copy, `0${first!}`));
  rmSync(file);
  expect(migrationsFingerprint(copy)).not.toBe(original);

  // A folder of helpers beside the migrations counts too (and does not crash the synthesis).
  const renamed = migrationsFingerprint(copy);
  mkdirSync(join(copy, 'sql'));
  writeFileSync(join(copy, 'sql', 'view.sql'), 'SELECT 1;\n');
  expect(migrationsFingerprint(copy)).not.toBe(renamed);
});

test('invalid DEPLOY_* settings are reported before any function is bundled', async () => {
  const failed = await synthesize({ DEPLOY_DB_MODE: 'aurora', DEPLOY_API_AUTH: 'none', DEPLOY_CORS_ORIGINS: 'example.com' }, true);
  expect(failed.ok).toBe(false);
  expect(failed.output).toContain('Invalid deployment settings');
  expect(failed.output).toContain('DEPLOY_DB_MODE must be one of provisioned, existing, got "aurora"');
  expect(failed.output).toContain('DEPLOY_API_AUTH must be one of iam, public, got "none"');
  expect(failed.output).toContain('DEPLOY_CORS_ORIGINS: "example.com" is not an origin');
  // Bundling writes its output under the cloud assembly directory (asset.* / bundling-temp-*): nothing there.
  expect(existsSync(failed.outdir) ? readdirSync(failed.outdir).filter((entry) => /^(asset|bundling-temp)/.test(entry)) : []).toEqual([]);
  expect(failed.output).not.toMatch(/index\.mjs|esbuild/i);
}, 60_000);
