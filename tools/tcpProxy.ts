/**
 * A loopback TCP proxy the tests control, to make a real database misbehave the way networks do:
 * `drop()` cuts every open connection and refuses new ones (a restart or an outage), `hang()`
 * accepts connections but forwards nothing (a database that stopped answering), `restore()` goes
 * back to forwarding. `delayMs` adds a one-way latency to every chunk in each direction (a database
 * in another availability zone): order is kept, and a round trip through the proxy costs 2 × delayMs.
 */
import { createServer, connect, type Server, type Socket } from 'node:net';

type Mode = 'forward' | 'refuse' | 'hang';

/** PostgreSQL's ReadyForQuery, idle: 'Z', length 5, 'I'. */
const READY_FOR_QUERY = Buffer.from([0x5a, 0, 0, 0, 5, 0x49]);

/** An ErrorResponse as the server sends it when a backend is terminated. */
const ADMIN_SHUTDOWN = ((): Buffer => {
  const fields = Buffer.from('SFATAL\0VFATAL\0C57P01\0Mterminating connection due to administrator command\0\0', 'latin1');
  const header = Buffer.alloc(5);
  header.write('E', 0, 'latin1');
  header.writeInt32BE(fields.length + 4, 1);
  return Buffer.concat([header, fields]);
})();

export class TcpProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly clients = new Set<Socket>();
  private readonly poisoned = new WeakSet<Socket>();
  private readonly swallowing = new WeakSet<Socket>();
  private terminateLogins = 0;
  private mode: Mode = 'forward';
  /** Connections accepted (in any mode): a count of handshakes attempted through the proxy. */
  accepted = 0;

  constructor(
    private readonly targetHost: string,
    private readonly targetPort: number,
    private readonly options: { delayMs?: number } = {},
  ) {}

  /**
   * Sends `chunk` to `to` now, or `delayMs` later. Timers of equal duration fire in the order they
   * were set, so delayed chunks keep their order. (No backpressure while delaying: a benchmark's
   * traffic is small.)
   */
  private send(to: Socket, chunk: Buffer): boolean {
    const delay = this.options.delayMs ?? 0;
    if (delay <= 0) return to.write(chunk);
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delay);
    return true;
  }

  get port(): number {
    const address = this.server?.address();
    if (!address || typeof address === 'string') throw new Error('TcpProxy is not started');
    return address.port;
  }

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
    return this;
  }

  /** Cut every open connection and refuse new ones until `restore()`. */
  drop(): void {
    this.mode = 'refuse';
    this.destroyAll();
  }

  /** Keep accepting connections but forward nothing: requests hang until the client times out. */
  hang(): void {
    this.mode = 'hang';
    this.destroyAll();
  }

  restore(): void {
    this.mode = 'forward';
  }

  /**
   * The silent death of every open connection (a NAT or idle timeout while a Lambda container was
   * frozen): nothing is sent now, but each is reset on its next use. New connections still work.
   */
  poisonOpenConnections(): void {
    for (const socket of this.clients) this.poisoned.add(socket);
  }

  /**
   * Every open connection silently swallows what its client sends from now on, with no reset (a
   * flow dropped without an RST, or a server stuck mid-query): the client waits for its own
   * timeout. New connections still work.
   */
  blackholeOpenConnections(): void {
    for (const socket of this.clients) this.swallowing.add(socket);
  }

  /**
   * The next `count` new connections are terminated by the server the moment their login
   * completes: a FATAL 57P01 ("terminating connection due to administrator command", what a
   * restart, a failover or `pg_terminate_backend` sends) in the same packet as the server's first
   * ReadyForQuery, so the client reads both in one go.
   */
  terminateNextLogins(count = 1): void {
    this.terminateLogins = count;
  }

  async stop(): Promise<void> {
    this.destroyAll();
    const server = this.server;
    this.server = undefined;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private destroyAll(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
  }

  private forwardUntilLogin(upstream: Socket, client: Socket): void {
    let seen = Buffer.alloc(0);
    upstream.on('data', (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      if (!seen.includes(READY_FOR_QUERY)) {
        client.write(chunk);
        return;
      }
      client.end(Buffer.concat([chunk, ADMIN_SHUTDOWN]));
      upstream.destroy();
    });
  }

  private accept(client: Socket): void {
    this.accepted += 1;
    this.track(client);
    if (this.mode === 'refuse') {
      client.destroy();
      return;
    }
    if (this.mode === 'hang') return;
    const upstream = connect(this.targetPort, this.targetHost);
    this.track(upstream);
    this.clients.add(client);
    client.on('close', () => this.clients.delete(client));
    client.on('data', (chunk: Buffer) => {
      if (this.poisoned.has(client)) {
        client.destroy();
        return;
      }
      if (this.swallowing.has(client)) return;
      if (!this.send(upstream, chunk)) client.pause();
    });
    upstream.on('drain', () => client.resume());
    if (this.terminateLogins > 0) {
      this.terminateLogins -= 1;
      this.forwardUntilLogin(upstream, client);
    } else if ((this.options.delayMs ?? 0) > 0) {
      upstream.on('data', (chunk: Buffer) => this.send(client, chunk));
      upstream.on('end', () => setTimeout(() => client.end(), this.options.delayMs));
    } else {
      upstream.pipe(client);
    }
    client.on('close', () => upstream.destroy());
    // A delayed chunk still on its way is delivered before the close.
    upstream.on('close', () => setTimeout(() => client.destroy(), this.options.delayMs ?? 0));
  }
}
