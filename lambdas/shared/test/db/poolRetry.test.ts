/**
 * A retry after a failed connect leaves the pool holding one connection. With `LAMBDA_POOL.max` 2 it
 * left two: sequelize-pool's dispense starts a create whenever an acquire waits and the pool is
 * below max, without counting the create already running for it; a dispense triggered meanwhile
 * (the retired connection's destroy completing, a failed create's next-tick dispense) started a
 * second one: both succeeded, one was handed out, the other idled in the pool, and a container that
 * runs one request at a time held two server slots (in `lambdas/todos/test/overload.test.ts` such a
 * container starved another of the server's last slot). Hence `max: 1` (docs/scale.md).
 */
import { ConnectionError } from 'sequelize';
import { closeDatabase, connectToDatabase, getSequelize, retryRead, toErrorResponse, writeTransaction } from '../../src';
import { discardIdleConnections } from '../../src/db';
import { useMigratedDatabase } from '../../../../testing/httpApi';

useMigratedDatabase();

interface Manager {
  connect: (config: unknown) => Promise<unknown>;
  pool: { size: number };
}

const tooManyClients = (): Error => new ConnectionError(Object.assign(new Error('sorry, too many clients already'), { code: '53300' }));
const reset = (): Error => new ConnectionError(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }));

/** Makes the next `failures` physical connects fail with `error()`; counts every connect attempt. */
function refuseNext(failures: number, error: () => Error = reset): { attempts: () => number; restore: () => void } {
  const manager = getSequelize().connectionManager as unknown as Manager;
  const connect = manager.connect;
  let attempts = 0;
  let left = failures;
  manager.connect = async (config) => {
    attempts += 1;
    if (left > 0) {
      left -= 1;
      throw error();
    }
    return connect(config);
  };
  return { attempts: () => attempts, restore: () => (manager.connect = connect) };
}

beforeEach(async () => {
  await closeDatabase();
  await connectToDatabase();
  // The pooled connection is retired: the first query below must open a new one.
  await discardIdleConnections();
});

test.each([
  ['retryRead', () => retryRead(() => getSequelize().query('SELECT 1'))],
  ['writeTransaction', () => writeTransaction((transaction) => getSequelize().query('SELECT 1', { transaction }))],
])('%s: a failed connect retried at once leaves one connection in the pool, not two', async (_name, work) => {
  const manager = getSequelize().connectionManager as unknown as Manager;
  const refused = refuseNext(1);
  try {
    await work();
    // Let any connect the pool started on its own finish.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect({ attempts: refused.attempts(), pooled: manager.pool.size }).toEqual({ attempts: 2, pooled: 1 });
  } finally {
    refused.restore();
  }
});

/**
 * A server out of connection slots (53300) is not asked again at once: the retry would be refused
 * too, at the cost of a server process and an authentication (docs/scale.md: refused connects fell
 * to one per 503, the 503 share stayed within a point). The caller gets the 503 with Retry-After.
 */
test.each([
  ['retryRead', () => retryRead(() => getSequelize().query('SELECT 1'))],
  ['writeTransaction', () => writeTransaction((transaction) => getSequelize().query('SELECT 1', { transaction }))],
])('%s: a 53300 refusal is answered 503 after one attempt, not retried', async (_name, work) => {
  const refused = refuseNext(1, tooManyClients);
  try {
    const error = await work().catch((e: unknown) => e);
    expect(refused.attempts()).toBe(1);
    expect(toErrorResponse(error)).toMatchObject({ statusCode: 503, headers: expect.objectContaining({ 'retry-after': '1' }) });
    // The server has a slot again: the next request is served.
    await expect(work()).resolves.toBeDefined();
  } finally {
    refused.restore();
  }
});
