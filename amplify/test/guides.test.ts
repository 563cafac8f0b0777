/**
 * The step guides show real code. Every fenced block tagged `file=<path>` must appear verbatim in
 * that file, so a guide cannot drift from the code it teaches; every ```bash verify``` block is
 * run here, line by line, so its verification commands keep working (and run in CI).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');
const GUIDES = ['docs/STEP_1.3.3_GUIDE.md', 'docs/STEP_1.3.8_GUIDE.md'] as const;

interface Fence {
  readonly info: string;
  readonly body: string;
  readonly line: number;
}

function fences(markdown: string): Fence[] {
  const found: Fence[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(\S.*)?$/.exec(lines[i] as string);
    if (!open) continue;
    const indent = open[1] ?? '';
    const end = lines.findIndex((l, k) => k > i && l.trim() === '```');
    if (end === -1) throw new Error(`unclosed fence at line ${i + 1}`);
    found.push({ info: (open[2] ?? '').trim(), body: lines.slice(i + 1, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l)).join('\n'), line: i + 1 });
    i = end;
  }
  return found;
}

const normalise = (text: string): string => text.replace(/\r\n/g, '\n').replace(/[ \t]+$/gm, '');

/** The problems with a guide's `file=` excerpts: each is missing from the file it names. */
function staleExcerpts(markdown: string, read: (path: string) => string | undefined): string[] {
  return fences(markdown).flatMap((fence) => {
    const file = /(?:^|\s)file=(\S+)/.exec(fence.info)?.[1];
    if (file === undefined) return [];
    const content = read(file);
    if (content === undefined) return [`line ${fence.line}: ${file} does not exist`];
    return normalise(content).includes(normalise(fence.body)) ? [] : [`line ${fence.line}: the excerpt no longer appears in ${file}`];
  });
}

const readRepoFile = (path: string): string | undefined => {
  const full = join(ROOT, path);
  return existsSync(full) ? readFileSync(full, 'utf8') : undefined;
};

describe.each(GUIDES)('%s', (guide) => {
  const markdown = readFileSync(join(ROOT, guide), 'utf8');

  test('every excerpt that names a file is that file\'s real code', () => {
    const excerpts = fences(markdown).filter((f) => /(?:^|\s)file=/.test(f.info));
    expect(excerpts.length).toBeGreaterThanOrEqual(3);
    expect(staleExcerpts(markdown, readRepoFile)).toEqual([]);
  });

  const commands = fences(markdown)
    .filter((f) => /^bash\s+verify\b/.test(f.info))
    .flatMap((f) => f.body.split('\n'))
    .map((l) => l.trim())
    .filter((l) => l.length > 0 && !l.startsWith('#'));

  test('has verification commands', () => expect(commands.length).toBeGreaterThanOrEqual(5));

  test.each(commands)('verification command succeeds: %s', (command) => {
    expect(() => execFileSync('bash', ['-c', command], { cwd: ROOT, stdio: 'pipe' })).not.toThrow();
  });
});

test('the excerpt check catches drift: an edited line, a missing file', () => {
  const guide = '```ts file=a.ts\nconst x = 1;\n```\n\n```ts file=gone.ts\nx\n```\n';
  const files: Record<string, string> = { 'a.ts': 'const x = 2;\n' };
  expect(staleExcerpts(guide, (p) => files[p])).toEqual(['line 1: the excerpt no longer appears in a.ts', 'line 5: gone.ts does not exist']);
  files['a.ts'] = '// header\nconst x = 1;   \n';
  expect(staleExcerpts(guide.split('\n\n')[0] ?? '', (p) => files[p])).toEqual([]);
});
