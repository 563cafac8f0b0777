import { SecretCache } from '../../src/secrets';

/** A manual clock and a loader whose calls and results the test controls. */
function setup(options: { ttlMs?: number; jitterRatio?: number; random?: number } = {}) {
  let now = 1_000_000;
  const stale: Array<{ key: string; retryInMs: number }> = [];
  const cache = new SecretCache<string>({
    ttlMs: options.ttlMs ?? 10_000,
    jitterRatio: options.jitterRatio ?? 0,
    now: () => now,
    random: () => options.random ?? 0.5,
    onStale: (key, _error, retryInMs) => stale.push({ key, retryInMs }),
  });
  let calls = 0;
  let next: () => Promise<string> = async () => `v${calls}`;
  const load = () => {
    calls += 1;
    return next();
  };
  return {
    cache,
    load,
    stale,
    calls: () => calls,
    advance: (ms: number) => (now += ms),
    willReturn: (fn: () => Promise<string>) => (next = fn),
  };
}

test('a fresh value is served from the cache until its TTL ends', async () => {
  const t = setup();
  expect(await t.cache.get('k', t.load)).toBe('v1');
  t.advance(9_999);
  expect(await t.cache.get('k', t.load)).toBe('v1');
  expect(t.calls()).toBe(1);
  t.advance(1);
  expect(await t.cache.get('k', t.load)).toBe('v2');
  expect(t.calls()).toBe(2);
});

test('jitter shortens the TTL by up to the ratio, never lengthens it', async () => {
  const t = setup({ jitterRatio: 0.1, random: 1 });
  await t.cache.get('k', t.load);
  t.advance(9_000); // 10 s TTL shortened by 10 %
  await t.cache.get('k', t.load);
  expect(t.calls()).toBe(2);
});

test('concurrent gets of one key share one load', async () => {
  const t = setup();
  let release!: (v: string) => void;
  t.willReturn(() => new Promise((resolve) => (release = resolve)));
  const all = Promise.all(Array.from({ length: 100 }, () => t.cache.get('k', t.load)));
  release('once');
  expect(await all).toEqual(Array(100).fill('once'));
  expect(t.calls()).toBe(1);
});

test('a forced refresh bypasses a fresh value', async () => {
  const t = setup();
  await t.cache.get('k', t.load);
  expect(await t.cache.get('k', t.load, { forceRefresh: true })).toBe('v2');
  expect(await t.cache.get('k', t.load)).toBe('v2');
});

test('a failed refresh serves the stale value and backs off exponentially, within bounds', async () => {
  const t = setup();
  await t.cache.get('k', t.load);
  t.willReturn(async () => {
    throw new Error('ServiceUnavailable');
  });
  t.advance(10_000);
  expect(await t.cache.get('k', t.load)).toBe('v1');
  expect(t.stale).toEqual([{ key: 'k', retryInMs: 750 }]); // 1 s base, jittered into [0.5 s, 1 s]
  // Inside the back-off window no new attempt is made.
  expect(await t.cache.get('k', t.load)).toBe('v1');
  expect(t.calls()).toBe(2);
  t.advance(750);
  expect(await t.cache.get('k', t.load)).toBe('v1');
  expect(t.stale[1]?.retryInMs).toBe(1_500);
  for (let i = 0; i < 20; i += 1) {
    t.advance(120_000);
    await t.cache.get('k', t.load);
  }
  expect(Math.max(...t.stale.map((s) => s.retryInMs))).toBeLessThanOrEqual(60_000);
  // Recovery: the next successful load replaces the stale value and resets the back-off.
  t.willReturn(async () => 'recovered');
  t.advance(60_000);
  expect(await t.cache.get('k', t.load)).toBe('recovered');
  expect(await t.cache.get('k', t.load)).toBe('recovered');
});

test('with nothing cached, or on a forced refresh, a failure is thrown', async () => {
  const t = setup();
  t.willReturn(async () => {
    throw new Error('down');
  });
  await expect(t.cache.get('k', t.load)).rejects.toThrow('down');
  expect(t.cache.size).toBe(0);
  t.willReturn(async () => 'up');
  await t.cache.get('k', t.load);
  t.willReturn(async () => {
    throw new Error('still bad');
  });
  await expect(t.cache.get('k', t.load, { forceRefresh: true })).rejects.toThrow('still bad');
});

test('invalidate drops one key; clear drops all', async () => {
  const t = setup();
  await t.cache.get('a', t.load);
  await t.cache.get('b', t.load);
  t.cache.invalidate('a');
  expect(t.cache.peekFresh('a')).toBeUndefined();
  expect(t.cache.peekFresh('b')).toBe('v2');
  t.cache.clear();
  expect(t.cache.size).toBe(0);
});
