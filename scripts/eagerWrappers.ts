/**
 * CommonJS wrappers that V8 compiles once. esbuild wraps every CommonJS module of a bundle (Sequelize,
 * lodash, pg, moment…: most of a function's code) in an arrow function, `$((exports, module) => {…})`
 * (or `$(exports => {…})` when the module never names `module`),
 * which V8 compiles lazily: the whole file is pre-parsed when the module loads, and each wrapper's
 * body is parsed again when it is first required — at a cold start, all of them. A function
 * expression right after a parenthesis, `$(function(exports, module) {…})`, is compiled eagerly in
 * the first pass instead (V8's "possibly invoked function expression" heuristic, the one Node's own
 * CommonJS wrappers benefit from). This rewrites the wrappers that way in the output file and shifts
 * the source map's columns by what each rewrite adds, so stack traces still point at the sources.
 *
 * Semantics are unchanged: a wrapper is called as a plain function in strict mode (`this` is
 * undefined, as in the arrow), and `arguments` in a module's top level now means the wrapper's, as
 * under Node's own loader. Measured by `pnpm bench` (docs/performance.md).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Plugin } from 'esbuild';

/** esbuild's `__commonJS` helper as its minifier prints it: `var $=(t,e)=>()=>{try{return e||t((e={exports:{}}).exports,e),e.exports}…`. */
const HELPER = /var ([A-Za-z_$][\w$]*)=\(([A-Za-z_$][\w$]*),([A-Za-z_$][\w$]*)\)=>\(\)=>\{try\{return \3\|\|\2\(\(\3=\{exports:\{\}\}\)\.exports,\3\),\3\.exports\}/;

const escapeRegExp = (text: string): string => text.replace(/[$^.*+?()[\]{}|\\]/g, '\\$&');

export interface Rewritten {
  code: string;
  /** Per output line, the columns where text was inserted, and how much, in order. */
  insertions: Map<number, Array<{ column: number; added: number }>>;
  wrappers: number;
}

/** Rewrites `H((a,b)=>{` (or `H(a=>{`, `H(()=>{`) into `H(function(a,b){` for esbuild's CommonJS helper `H`. */
export function rewriteWrappers(code: string): Rewritten {
  const insertions = new Map<number, Array<{ column: number; added: number }>>();
  const helper = HELPER.exec(code)?.[1];
  if (helper === undefined) return { code, insertions, wrappers: 0 };
  const name = '[A-Za-z_$][\\w$]*';
  const wrapper = new RegExp(`(?<![\\w$.])${escapeRegExp(helper)}\\((?:\\((|${name}|${name},${name})\\)|(${name}))=>\\{`, 'g');
  const lines = code.split('\n');
  let wrappers = 0;
  const out = lines.map((line, index) =>
    line.replace(wrapper, (match: string, listed: string | undefined, single: string | undefined, offset: number) => {
      const replacement = `${helper}(function(${listed ?? single ?? ''}){`;
      const list = insertions.get(index) ?? [];
      list.push({ column: offset + helper.length + 1, added: replacement.length - match.length });
      insertions.set(index, list);
      wrappers += 1;
      return replacement;
    }),
  );
  return { code: out.join('\n'), insertions, wrappers };
}

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeSegment(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

function encodeValue(value: number): string {
  let vlq = value < 0 ? (-value << 1) | 1 : value << 1;
  let out = '';
  do {
    let digit = vlq & 31;
    vlq >>>= 5;
    if (vlq > 0) digit |= 32;
    out += BASE64[digit];
  } while (vlq > 0);
  return out;
}

/** Moves every mapping of a rewritten line right by what was inserted before its column. */
export function shiftMappings(mappings: string, insertions: Rewritten['insertions']): string {
  if (insertions.size === 0) return mappings;
  return mappings
    .split(';')
    .map((line, index) => {
      const inserted = insertions.get(index);
      if (inserted === undefined || line === '') return line;
      // Segments and insertions both come in column order: one pass over each.
      let column = 0;
      let previousShifted = 0;
      let next = 0;
      let added = 0;
      return line
        .split(',')
        .map((segment) => {
          const fields = decodeSegment(segment);
          column += fields[0] ?? 0;
          while (next < inserted.length && (inserted[next]?.column ?? Infinity) < column) added += inserted[next++]?.added ?? 0;
          const shifted = column + added;
          const delta = shifted - previousShifted;
          previousShifted = shifted;
          return [delta, ...fields.slice(1)].map(encodeValue).join('');
        })
        .join(',');
    })
    .join(';');
}

/** The esbuild plugin: rewrites every `.mjs` output and its map once the build has written them. */
export const eagerWrappers: Plugin = {
  name: 'eager-commonjs-wrappers',
  setup(build) {
    build.onEnd((result) => {
      if (result.errors.length > 0) return;
      for (const file of Object.keys(result.metafile?.outputs ?? {})) {
        if (!file.endsWith('.mjs')) continue;
        const path = resolve(build.initialOptions.absWorkingDir ?? process.cwd(), file);
        const rewritten = rewriteWrappers(readFileSync(path, 'utf8'));
        if (rewritten.wrappers === 0) continue;
        writeFileSync(path, rewritten.code);
        const mapPath = `${path}.map`;
        const map = JSON.parse(readFileSync(mapPath, 'utf8')) as { mappings: string };
        map.mappings = shiftMappings(map.mappings, rewritten.insertions);
        writeFileSync(mapPath, JSON.stringify(map));
      }
    });
  },
};
