#!/usr/bin/env node
// Zero-dependency bootstrap behind `npm test` and `npm run dev`, so a fresh machine with only
// Node.js and npm needs no other step: it installs the pnpm version pinned in package.json
// (`packageManager`) when the one on PATH differs, installs the workspace from the committed
// lockfile when node_modules is missing or older than the lockfile, then runs the given
// package.json script with the workspace's binaries on PATH.
//
// Usage: node scripts/setup.mjs <script> [args...]
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, statSync, utimesSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

const pinned = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).packageManager.replace(/^pnpm@/, '');
const say = (line) => process.stderr.write(`[setup] ${line}\n`);

// `node --import tsx` (the dev server, the scripts) needs module.register, new in Node 20.6.
const [major, minor] = process.versions.node.split('.').map(Number);
if (major < 20 || (major === 20 && minor < 6)) {
  say(`Node.js ${process.versions.node} is too old: this project needs Node.js 20.6 or later.`);
  process.exit(1);
}

function versionOf(command) {
  try {
    return execFileSync(command, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return undefined;
  }
}

/** A pnpm binary of the pinned version: the one on PATH, a local one, or a fresh install. */
function pnpmBinary() {
  if (versionOf('pnpm') === pinned) return 'pnpm';
  const local = join(root, '.tmp', 'pnpm', 'node_modules', '.bin', 'pnpm');
  if (existsSync(local) && versionOf(local) === pinned) return local;
  say(`installing pnpm@${pinned}`);
  const global = spawnSync('npm', ['install', '--global', `pnpm@${pinned}`], { stdio: 'inherit' });
  if (global.status === 0 && versionOf('pnpm') === pinned) return 'pnpm';
  // No permission for a global install: keep a project-local copy instead.
  const localInstall = spawnSync('npm', ['install', '--no-save', '--prefix', join(root, '.tmp', 'pnpm'), `pnpm@${pinned}`], { stdio: 'inherit' });
  if (localInstall.status !== 0) throw new Error(`could not install pnpm@${pinned}`);
  return local;
}

function needsInstall() {
  const marker = join(root, 'node_modules', '.modules.yaml');
  if (!existsSync(marker)) return true;
  const lock = statSync(join(root, 'pnpm-lock.yaml')).mtimeMs;
  return statSync(marker).mtimeMs < lock;
}

const [script, ...args] = process.argv.slice(2);
const pnpm = pnpmBinary();
if (needsInstall()) {
  say('installing dependencies from pnpm-lock.yaml');
  const install = spawnSync(pnpm, ['install', '--frozen-lockfile'], { cwd: root, stdio: 'inherit' });
  if (install.status !== 0) process.exit(install.status ?? 1);
  // pnpm leaves the marker untouched when nothing changed: date it so the next run skips this step.
  const now = new Date();
  utimesSync(join(root, 'node_modules', '.modules.yaml'), now, now);
}
if (script) {
  // Run the package.json script directly rather than through `pnpm run`, which reports a Ctrl-C'd
  // dev server as a failed command. Ctrl-C reaches the whole process group: this process leaves
  // it to the script (which shuts down cleanly) and exits with the script's status.
  const command = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts?.[script];
  if (!command) throw new Error(`package.json has no script "${script}"`);
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => undefined);
  const quoted = args.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(' ');
  // `exec`: the shell becomes the script's process instead of waiting on it, so Ctrl-C reaches no
  // shell that would die of it and turn a clean shutdown into exit status 130.
  const line = `${command} ${quoted}`.trim();
  const run = spawnSync(process.platform === 'win32' ? line : `exec ${line}`, {
    cwd: root,
    stdio: 'inherit',
    shell: true,
    env: { ...process.env, PATH: `${join(root, 'node_modules', '.bin')}${delimiter}${process.env.PATH ?? ''}` },
  });
  process.exit(run.status ?? (run.signal ? 130 : 1));
}
