import { createServer, connect, type Server, type Socket } from 'node:net';
import { TcpProxy } from '../tcpProxy';

/** A server that echoes each chunk back, so a round trip through the proxy crosses it twice. */
async function echoServer(): Promise<Server> {
  const server = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

const portOf = (server: Server): number => (server.address() as { port: number }).port;

async function open(port: number): Promise<Socket> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  return socket;
}

/** Sends `messages` one after the other and resolves with everything echoed and the time it took. */
async function roundTrip(socket: Socket, messages: string[]): Promise<{ echoed: string; ms: number }> {
  const expected = messages.join('');
  const started = performance.now();
  let echoed = '';
  const done = new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      echoed += chunk.toString('utf8');
      if (echoed.length >= expected.length) resolve();
    });
  });
  for (const message of messages) socket.write(message);
  await done;
  return { echoed, ms: performance.now() - started };
}

describe('TcpProxy delayMs', () => {
  let server: Server;
  beforeAll(async () => {
    server = await echoServer();
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('adds the delay in each direction: a round trip costs at least twice delayMs, bytes in order', async () => {
    const proxy = await new TcpProxy('127.0.0.1', portOf(server), { delayMs: 25 }).start();
    const socket = await open(proxy.port);
    try {
      const messages = Array.from({ length: 20 }, (_, i) => `message ${i};`);
      const { echoed, ms } = await roundTrip(socket, messages);
      expect(echoed).toBe(messages.join(''));
      expect(ms).toBeGreaterThanOrEqual(49);
    } finally {
      socket.destroy();
      await proxy.stop();
    }
  });

  test('without delayMs it forwards at once', async () => {
    const proxy = await new TcpProxy('127.0.0.1', portOf(server)).start();
    const socket = await open(proxy.port);
    try {
      const { echoed, ms } = await roundTrip(socket, ['ping']);
      expect(echoed).toBe('ping');
      expect(ms).toBeLessThan(1_000);
    } finally {
      socket.destroy();
      await proxy.stop();
    }
  });

  test('data the server sends before closing still reaches the client', async () => {
    const closing = createServer((socket) => socket.end('goodbye'));
    await new Promise<void>((resolve) => closing.listen(0, '127.0.0.1', resolve));
    const proxy = await new TcpProxy('127.0.0.1', portOf(closing), { delayMs: 10 }).start();
    const socket = connect(proxy.port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
    await new Promise<void>((resolve) => socket.once('close', () => resolve()));
    expect(received).toBe('goodbye');
    await proxy.stop();
    await new Promise<void>((resolve) => closing.close(() => resolve()));
  });
});
