import { createTestDatabase } from './db';
import { TcpProxy } from '../tools/tcpProxy';
import { closeDatabase } from '@lambdas/shared';
import { resetCredentialsForTests, resetEnvForTests } from '@lambdas/shared/testing';

/**
 * A fresh database on the MAIN server behind a loopback TCP proxy the test controls, with DB_*
 * pointing at the proxy (development mode, plus `env`). Call at the top level of a test file; the
 * returned proxy is usable from the file's own `beforeAll` on. Everything is undone after the file.
 */
export function useProxiedDatabase(env: Record<string, string> = {}): () => TcpProxy {
  const saved = { ...process.env };
  let proxy: TcpProxy | undefined;
  let drop: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    const db = await createTestDatabase('MAIN');
    drop = () => db.drop();
    proxy = await new TcpProxy(db.host, db.port).start();
    process.env = { ...saved, NODE_ENV: 'development', ...env };
    db.applyEnv({ DB_PORT: String(proxy.port), DB_SSL: 'false' });
    resetEnvForTests();
    resetCredentialsForTests();
  });
  afterAll(async () => {
    await closeDatabase();
    await proxy?.stop();
    await drop?.();
    process.env = saved;
  });
  return () => {
    if (!proxy) throw new Error('The proxied database is created in beforeAll');
    return proxy;
  };
}
