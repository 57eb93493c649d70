import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { LeasedRateLimiter } from './leased-rate-limiter';
import { RedisThrottlerStorage } from './redis-throttler.storage';

// Real Redis (127.0.0.1:6379, as the test stacks use): the limiter's script and the Nest guard's share keys.
const redis = new Redis(process.env.SHIPYARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', { lazyConnect: true, maxRetriesPerRequest: 1 });
const key = () => `test:rl:api:${randomBytes(8).toString('hex')}`;
const limiters: LeasedRateLimiter[] = [];
const limiter = (limit: number, windowMs = 60_000) => {
  const l = new LeasedRateLimiter(redis, limit, windowMs);
  limiters.push(l);
  return l;
};

beforeAll(() => redis.connect());
afterAll(async () => {
  for (const l of limiters) l.close();
  await redis.quit();
});

describe('LeasedRateLimiter (real Redis)', () => {
  it('is exact for small limits: 3 allowed, then refused with a Retry-After within the window', async () => {
    const l = limiter(3);
    const k = key();
    const decisions = [];
    for (let i = 0; i < 5; i++) decisions.push(await l.hit(k));
    expect(decisions.map((d) => d.allowed)).toEqual([true, true, true, false, false]);
    expect(decisions.slice(0, 3).map((d) => d.remaining)).toEqual([2, 1, 0]);
    expect(decisions[3]?.retryAfterS).toBeGreaterThanOrEqual(1);
    expect(decisions[3]?.retryAfterS).toBeLessThanOrEqual(60);
    // As with the guard's script, the refused 4th hit is counted; the 5th is refused locally by the block.
    expect(Number(await redis.get(k))).toBe(4);
    expect(await redis.pttl(`${k}:blocked`)).toBeGreaterThan(0);
  });

  it('reserves hits in blocks for a busy caller: 200 concurrent hits, all allowed, counted in Redis in blocks of at most 64', async () => {
    const l = limiter(1_000_000);
    const k = key();
    const decisions = await Promise.all(Array.from({ length: 200 }, () => l.hit(k)));
    expect(decisions.every((d) => d.allowed)).toBe(true);
    const counted = Number(await redis.get(k));
    // Whole blocks of 64: 4 reservations (256) for 200 hits, not 200 round trips.
    expect(counted).toBe(256);
    expect(await redis.pttl(k)).toBeGreaterThan(0);
  });

  it('answers from the reservation without Redis once one is held (tryLocal), and asks for one otherwise', async () => {
    const l = limiter(1_000_000);
    const k = key();
    expect(l.tryLocal(k)).toBeNull();
    expect((await l.hit(k)).allowed).toBe(true);
    const counted = Number(await redis.get(k));
    const local = Array.from({ length: 10 }, () => l.tryLocal(k));
    expect(local.every((d) => d?.allowed === true)).toBe(true);
    expect(Number(await redis.get(k))).toBe(counted);
  });

  it('reserves the next block while half of the current one is left, so a steady caller never waits for Redis', async () => {
    const l = limiter(1_000_000);
    const k = key();
    expect((await l.hit(k)).allowed).toBe(true); // one block of 64 reserved, 63 left
    expect(Number(await redis.get(k))).toBe(64);
    for (let i = 0; i < 31; i++) expect(l.tryLocal(k)?.allowed).toBe(true); // 32 left: not yet
    await new Promise((r) => setTimeout(r, 50));
    expect(Number(await redis.get(k))).toBe(64);
    expect(l.tryLocal(k)?.allowed).toBe(true); // 31 left: the next block is asked for in the background
    for (let i = 0; i < 200 && Number(await redis.get(k)) !== 128; i++) await new Promise((r) => setTimeout(r, 5));
    expect(Number(await redis.get(k))).toBe(128);
    // 31 + 64 answered locally, none of them waiting for a round trip.
    for (let i = 0; i < 95; i++) expect(l.tryLocal(k)?.allowed).toBe(true);
  });

  it('does not reserve single hits ahead near the limit, so the last hits of a window stay exact', async () => {
    const l = limiter(12);
    const k = key();
    const decisions = [];
    for (let i = 0; i < 14; i++) decisions.push(await l.hit(k));
    expect(decisions.map((d) => d.allowed)).toEqual([...Array(12).fill(true), false, false]);
    expect(Number(await redis.get(k))).toBe(13); // 12 allowed and the refused 13th, nothing reserved beyond
  });

  it('never lets two replicas exceed the limit together; unspent reservations only make it trip early', async () => {
    const a = limiter(1000);
    const b = limiter(1000);
    const k = key();
    let allowed = 0;
    for (let i = 0; i < 1200; i++) {
      const d = await (i % 2 === 0 ? a : b).hit(k);
      if (d.allowed) allowed++;
    }
    expect(allowed).toBeLessThanOrEqual(1000);
    expect(allowed).toBeGreaterThanOrEqual(1000 - 2 * 64);
  });

  it('shares one counter with the Nest guard storage: hits there count here', async () => {
    const storage = new RedisThrottlerStorage(redis, 'test:rl');
    const suffix = randomBytes(8).toString('hex');
    for (let i = 0; i < 2; i++) await storage.increment(suffix, 60_000, 3, 60_000, 'api');
    const l = limiter(3);
    const k = `test:rl:api:${suffix}`;
    expect((await l.hit(k)).allowed).toBe(true);
    const refused = await l.hit(k);
    expect(refused.allowed).toBe(false);
    // …and the block it set is seen by the guard's storage too.
    expect((await storage.increment(suffix, 60_000, 3, 60_000, 'api')).isBlocked).toBe(true);
  });

  it('lets requests through while Redis is unreachable (an outage of the limiter is not an outage of the API)', async () => {
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    const l = new LeasedRateLimiter(down, 1, 60_000);
    try {
      const k = key();
      const decisions = [await l.hit(k), await l.hit(k)]; // over the limit of 1, yet let through
      expect(decisions.map((d) => d.allowed)).toEqual([true, true]);
    } finally {
      l.close();
      down.disconnect();
    }
  });

  it('starts a new window once the old one expires', async () => {
    const l = limiter(2, 300);
    const k = key();
    expect((await l.hit(k)).allowed).toBe(true);
    expect((await l.hit(k)).allowed).toBe(true);
    expect((await l.hit(k)).allowed).toBe(false);
    await new Promise((r) => setTimeout(r, 700));
    expect((await l.hit(k)).allowed).toBe(true);
  });
});
