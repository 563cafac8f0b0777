/**
 * ENV_SCHEMA and DB_TYPES are the sources of truth for variable names, defaults and database types; the docs tables and
 * .env.example are checked against it so they cannot drift.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'dotenv';
import { DB_TYPES } from '../../src/secrets';
import { ENV_NAMES, ENV_SCHEMA, type EnvName } from '../../src/config/variables';

const root = join(__dirname, '..', '..', '..', '..');

function documentedVariables(): Map<string, string> {
  const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  const section = doc.slice(doc.indexOf('## Environment variables'));
  const rows = new Map<string, string>();
  for (const match of section.matchAll(/^\| (`[A-Z_]+`(?: \/ `[A-Z_]+`)*) \| ([^|]+) \|/gm)) {
    for (const name of (match[1] ?? '').matchAll(/`([A-Z_]+)`/g)) rows.set(name[1] ?? '', (match[2] ?? '').trim());
  }
  return rows;
}

test('docs/architecture.md documents exactly the variables of ENV_SCHEMA', () => {
  expect([...documentedVariables().keys()].sort()).toEqual([...ENV_NAMES].sort());
});

test('each documented default is the schema default', () => {
  const rows = documentedVariables();
  for (const name of ENV_NAMES) {
    const parsed = ENV_SCHEMA[name as EnvName].safeParse(undefined);
    const expected = !parsed.success ? 'required' : parsed.data === undefined ? 'none' : `\`${String(parsed.data)}\``;
    expect(`${name}: ${rows.get(name)}`).toBe(`${name}: ${expected}`);
  }
});

test('.env.example only sets known variables, each valid', () => {
  const example = parse(readFileSync(join(root, '.env.example')));
  for (const [name, value] of Object.entries(example)) {
    expect(ENV_NAMES).toContain(name);
    expect(ENV_SCHEMA[name as EnvName].safeParse(value).success).toBe(true);
  }
});

test('the database-type table in docs/architecture.md matches DB_TYPES', () => {
  const doc = readFileSync(join(root, 'docs', 'architecture.md'), 'utf8');
  for (const [type, spec] of Object.entries(DB_TYPES)) {
    const row = doc.split('\n').find((line) => line.startsWith(`| ${type} |`));
    expect(row).toBeDefined();
    const cells = (row ?? '').split('|').map((cell) => cell.trim());
    expect(cells[1]).toBe(type);
    expect(cells[2]).toBe(`\`jdbc:${spec.scheme}://host:port/db\``);
    expect(cells[3]).toBe(`\`${spec.driver}\``);
    expect(cells[4]).toBe(String(spec.defaultPort));
    expect(cells[5]?.split(', ')).toEqual([...spec.engines]);
  }
});
