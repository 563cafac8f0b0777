/**
 * The CommonJS wrapper rewrite (scripts/eagerWrappers.ts) on a real esbuild bundle: every wrapper
 * becomes a function expression, the bundle behaves the same, and the source map still maps each
 * token to the same original position.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { eagerWrappers, rewriteWrappers } from '../eagerWrappers';

const dir = mkdtempSync(join(tmpdir(), 'eager-wrappers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Two CommonJS modules (wrapped by esbuild) and an ES entry, on several lines of output.
writeFileSync(join(dir, 'a.cjs'), "'use strict';\nconst b = require('./b.cjs');\nmodule.exports = { twice: (x) => b.add(x, x), self: typeof this, args: typeof arguments };\n");
writeFileSync(join(dir, 'b.cjs'), "exports.add = function add(x, y) {\n  if (x === 42) throw new Error('the answer');\n  return x + y;\n};\nexports.text = `two\nlines`;\n");
writeFileSync(join(dir, 'c.cjs'), "console.log('side effect only');\n");
writeFileSync(join(dir, 'entry.mjs'), "import './c.cjs';\nimport a from './a.cjs';\nimport { text } from './b.cjs';\nexport const result = [a.twice(21), a.self, text];\nexport const fail = () => a.twice(21 * 2);\n");

async function bundle(name: string, plugins: typeof eagerWrappers[]): Promise<{ code: string; map: SourceMap; file: string }> {
  const file = join(dir, name, 'index.mjs');
  await build({ absWorkingDir: dir, entryPoints: [join(dir, 'entry.mjs')], outfile: file, bundle: true, format: 'esm', platform: 'node', minify: true, sourcemap: true, metafile: true, plugins, logLevel: 'error' });
  return { code: readFileSync(file, 'utf8'), map: new SourceMap(JSON.parse(readFileSync(`${file}.map`, 'utf8'))), file };
}

type Entry = { originalSource?: string; originalLine?: number; originalColumn?: number };

function position(code: string, index: number): [number, number] {
  const before = code.slice(0, index);
  return [before.split('\n').length - 1, index - before.lastIndexOf('\n') - 1];
}

it('rewrites every CommonJS wrapper, runs the same, and keeps the source map right', async () => {
  const plain = await bundle('plain', []);
  const eager = await bundle('eager', [eagerWrappers]);
  expect(rewriteWrappers(plain.code).wrappers).toBe(3);
  expect(eager.code).not.toMatch(/=[\w$]+\((\([\w$,]*\)|[\w$]+)=>\{/);
  expect(eager.code).toMatch(/\(function\([\w$]+,[\w$]+\)\{/);

  const run = (file: string): string => execFileSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(file)}); console.log(JSON.stringify(m.result)); try { m.fail(); } catch (e) { console.log(e.message); }`], { encoding: 'utf8' });
  expect(run(eager.file)).toBe(run(plain.file));
  expect(run(eager.file)).toContain('[42,"object","two\\nlines"]');

  for (const token of ['the answer', 'x+y', 'typeof arguments', 'twice', 'lines']) {
    const before = plain.map.findEntry(...position(plain.code, plain.code.indexOf(token))) as Entry;
    const after = eager.map.findEntry(...position(eager.code, eager.code.indexOf(token))) as Entry;
    expect(before.originalSource).toBeDefined();
    expect([token, after.originalSource, after.originalLine, after.originalColumn]).toEqual([token, before.originalSource, before.originalLine, before.originalColumn]);
  }
});
