/**
 * The Node.js the workers run on: Lambda's major, 22. The machine's own `node` when it is a 22,
 * else the pinned Node 22 of `tools/node.sh 22` (from the npm registry, Linux x64). Elsewhere the
 * machine's Node, and the table says which version measured.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface WorkerNode {
  readonly path: string;
  readonly version: string;
}

export function workerNode(root: string): WorkerNode {
  if (process.versions.node.split('.')[0] === '22' || `${process.platform}-${process.arch}` !== 'linux-x64') return { path: process.execPath, version: process.version };
  const bin = execFileSync('bash', [join(root, 'tools', 'node.sh'), '22'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  const path = join(bin, 'node');
  return { path, version: execFileSync(path, ['--version'], { encoding: 'utf8' }).trim() };
}
