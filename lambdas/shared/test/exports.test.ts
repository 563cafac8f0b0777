/**
 * The package's public surface. Each `exports` subpath's names, values and types as the TypeScript
 * compiler sees them, are compared with `api-report.json`: a change to any list fails here until
 * the report is updated on purpose (`UPDATE_API_REPORT=1 npx jest lambdas/shared/test/exports.test.ts`),
 * so nothing becomes public, or stops being, unnoticed. And no code outside a workspace package
 * imports that package's `src/`.
 */
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';

const packageDir = join(__dirname, '..');
const root = join(packageDir, '..', '..');
const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { exports: Record<string, string> };
const reportFile = join(packageDir, 'api-report.json');

function runtimeNames(): Record<string, string[]> {
  return Object.fromEntries(
    Object.entries(manifest.exports).map(([subpath, file]) => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const loaded = require(join(packageDir, file)) as Record<string, unknown>;
      return [subpath, Object.keys(loaded).filter((name) => name !== '__esModule').sort()];
    }),
  );
}

/** Every name each subpath exports, types included, from the compiler's view of the entry files. */
function declaredNames(): Record<string, string[]> {
  const files = Object.values(manifest.exports).map((file) => join(packageDir, file));
  const program = ts.createProgram(files, { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler, target: ts.ScriptTarget.ES2022, strict: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  return Object.fromEntries(
    Object.entries(manifest.exports).map(([subpath, file]) => {
      const source = program.getSourceFile(join(packageDir, file));
      const symbol = source && checker.getSymbolAtLocation(source);
      if (!symbol) throw new Error(`${file} is not a module`);
      return [subpath, checker.getExportsOfModule(symbol).map((s) => s.getName()).sort()];
    }),
  );
}

test('every subpath exports exactly the reviewed names, types included (api-report.json)', () => {
  const actual = declaredNames();
  if (process.env.UPDATE_API_REPORT) writeFileSync(reportFile, `${JSON.stringify(actual, null, 2)}\n`);
  expect(actual).toEqual(JSON.parse(readFileSync(reportFile, 'utf8')));
  // What loads at run time is a subset of the declared names (no hidden runtime export).
  for (const [subpath, names] of Object.entries(runtimeNames())) expect([subpath, names.filter((name) => !actual[subpath]!.includes(name))]).toEqual([subpath, []]);
}, 60_000);

test('the root export is small and holds no test hook; the import-free subpaths load no runtime', () => {
  const names = runtimeNames();
  expect(names['.']!.length).toBeLessThanOrEqual(45); // runtime names of the root
  for (const [subpath, list] of Object.entries(names)) if (subpath !== './testing') expect([subpath, list.filter((name) => /ForTests$/.test(name))]).toEqual([subpath, []]);
  for (const subpath of ['./routes', './cors']) {
    const source = readFileSync(join(packageDir, manifest.exports[subpath]!), 'utf8');
    const imports = [...source.matchAll(/^import[^;]*from '([^']+)';/gm)].map((m) => m[1]);
    expect([subpath, imports.filter((spec) => spec !== './routes')]).toEqual([subpath, []]);
  }
});

/** Every .ts file of the repository outside node_modules, build output and scratch. */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((entry) => {
    if (['node_modules', 'dist', 'cdk.out', '.tmp', '.git', '.amplify'].includes(entry)) return [];
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

test("no file imports another workspace package's src/ (packages are used through their exports)", () => {
  const packages = readdirSync(join(root, 'lambdas')).map((name) => join(root, 'lambdas', name));
  const offending: string[] = [];
  for (const file of sources(root)) {
    const owner = packages.find((pkg) => file.startsWith(`${pkg}/`));
    for (const match of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
      const target = resolve(dirname(file), match[1]!);
      const targetPackage = packages.find((pkg) => target.startsWith(`${pkg}/src`));
      if (targetPackage !== undefined && targetPackage !== owner) offending.push(`${relative(root, file)} → ${match[1]}`);
    }
  }
  expect(offending).toEqual([]);
});
