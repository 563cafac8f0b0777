/**
 * A TCP endpoint that never accepts a connection, as an endpoint behind a dropped route or a
 * security group without the rule looks to a client: `connect` neither succeeds nor fails.
 *
 * Loopback refuses a closed port at once, so this is built from a listener whose process never
 * runs its event loop again (a child blocked in a synchronous read): the kernel completes
 * handshakes into the listener's accept queue until it is full, then drops further SYNs, and those
 * connects hang. The queue is filled here first, so the next client's connect is the one that hangs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';

export interface UnacceptingEndpoint {
  /** `http://127.0.0.1:<port>` */
  url: string;
  close(): void;
}

// The child blocks on a synchronous read of its stdin (no event loop, no CPU) and exits when the
// pipe closes: at close(), or when the test process dies, so it never outlives its test.
const LISTENER = `const s = require('net').createServer().listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => {
  process.stdout.write(s.address().port + '\\n');
  setTimeout(() => { try { require('fs').readSync(0, Buffer.alloc(1)); } catch {} process.exit(0); }, 20);
});`;

/** Resolves `true` when a connect completes within `ms`, `false` when it hangs. */
function connects(port: number, ms: number, sockets: net.Socket[]): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    sockets.push(socket);
    socket.once('connect', () => resolve(true));
    socket.once('error', () => resolve(true)); // refused or reset: not a hang either
    setTimeout(() => resolve(false), ms).unref();
  });
}

export async function openUnacceptingEndpoint(): Promise<UnacceptingEndpoint> {
  const child: ChildProcess = spawn(process.execPath, ['-e', LISTENER], { stdio: ['pipe', 'pipe', 'inherit'] });
  const port = Number(await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(String(chunk).trim()));
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`The listener exited (${code}) before it listened`)));
  }));
  await new Promise((resolve) => setTimeout(resolve, 100)); // the child is busy from now on
  const sockets: net.Socket[] = [];
  const close = (): void => {
    sockets.forEach((socket) => socket.destroy());
    child.stdin?.end();
    child.kill('SIGKILL');
  };
  for (let filled = 0; filled < 16; filled += 1) {
    if (!(await connects(port, 500, sockets))) return { url: `http://127.0.0.1:${port}`, close };
  }
  close();
  throw new Error('The accept queue never filled: this platform does not drop connects to a full listener');
}
