/**
 * The Node.js the workers run on: Lambda's major here, 22 (or 24 on request). The machine's own
 * `node` when it has that major, else the pinned release of `tools/node.sh` (from the npm registry,
 * Linux x64). Elsewhere the machine's Node, and the table says which version measured.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface WorkerNode {
  readonly path: string;
  readonly version: string;
}

/** The majors `tools/node.sh` pins: 22 (Lambda's runtime here, the default) and 24 (`pnpm bench --node 24`). */
export type WorkerMajor = '22' | '24';

export function workerNode(root: string, major: WorkerMajor = '22'): WorkerNode {
  if (process.versions.node.split('.')[0] === major || `${process.platform}-${process.arch}` !== 'linux-x64') return { path: process.execPath, version: process.version };
  const bin = execFileSync('bash', [join(root, 'tools', 'node.sh'), major], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const path = join(bin, 'node');
  return { path, version: execFileSync(path, ['--version'], { encoding: 'utf8' }).trim() };
}
