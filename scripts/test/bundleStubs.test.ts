/**
 * The stubs that replace Node built-in users in the Lambda bundle (scripts/bundleStubs.ts) behave as
 * what they replace, where the functions use them: bundled with the real options, run by plain node.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { bundleOptions } from '../bundle';

const root = join(__dirname, '..', '..');
const outdir = mkdtempSync(join(tmpdir(), 'bundle-stubs-'));

afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** Bundles `entry` (resolved from lambdas/shared, as the shared package's code is), runs it with DEBUG=*, returns what `probe()` returned and stderr. */
async function runBundled(entry: string): Promise<{ result: unknown; stderr: string }> {
  const options = bundleOptions(root, 'todos', outdir, { earlyFetch: false });
  await build({ ...options, entryPoints: undefined, stdin: { contents: entry, resolveDir: join(root, 'lambdas', 'shared'), loader: 'ts', sourcefile: 'probe.ts' } });
  const runner = join(outdir, 'run.mjs');
  writeFileSync(runner, `const { probe } = await import(${JSON.stringify(options.outfile)}); process.stdout.write(JSON.stringify(await probe()));`);
  const { stdout, stderr } = await promisify(execFile)(process.execPath, [runner], { cwd: outdir, env: { PATH: process.env.PATH, DEBUG: '*' }, timeout: 20_000 });
  return { result: JSON.parse(stdout) as unknown, stderr };
}

it('Sequelize with the SDK loads no zlib, tty, assert or process.binding module (debug is off even with DEBUG=*), and its assert throws Node\'s AssertionError', async () => {
  const probed = await runBundled(`
    import { DataTypes, Sequelize } from 'sequelize';
    import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
    export async function probe() {
      const sequelize = new Sequelize({ dialect: 'postgres', dialectModule: { Client: class {} }, logging: false });
      const Thing = sequelize.define('Thing', { name: DataTypes.STRING });
      const error = await Thing.update({ name: 'x' }, {}).catch((e) => e);
      new SecretsManagerClient({ region: 'us-east-1' });
      const loaded = process.moduleLoadList.filter((m) => /^NativeModule (zlib|tty|assert|internal[/]legacy[/]processbinding)$/.test(m));
      return { name: error.name, code: error.code, message: error.message, loaded };
    }
  `);
  const { result, stderr } = probed;
  expect(result).toEqual({ name: 'AssertionError', code: 'ERR_ASSERTION', message: 'Missing where attribute in the options parameter', loaded: [] });
  // Sequelize's debug() lines would go to stderr with DEBUG=*.
  expect(stderr).not.toContain('sequelize:');
}, 60_000);
