import { Logger } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import type Redis from 'ioredis';

// One round trip: count the hit, start the window on the first one, and block once over the limit.
const INCREMENT = `
local hits = redis.call('INCR', KEYS[1])
if hits == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
local blocked = redis.call('PTTL', KEYS[2])
if blocked > 0 then return {hits, ttl, 1, blocked} end
if hits > tonumber(ARGV[2]) then
  redis.call('SET', KEYS[2], '1', 'PX', ARGV[3])
  return {hits, ttl, 1, tonumber(ARGV[3])}
end
return {hits, ttl, 0, 0}`;

/**
 * @nestjs/throttler storage in Redis, so limits hold across gateway replicas. While Redis is away the
 * limiter lets requests through (logged once): an outage of the limiter must not become an outage
 * of the API.
 */
export class RedisThrottlerStorage implements ThrottlerStorage {
  private readonly logger = new Logger('rate-limit');
  private failing = false;

  constructor(
    private readonly redis: Redis,
    private readonly prefix = 'shipyard:rl',
  ) {}

  async increment(key: string, ttl: number, limit: number, blockDuration: number, throttlerName: string): Promise<ThrottlerStorageRecord> {
    const k = `${this.prefix}:${throttlerName}:${key}`;
    try {
      const [hits, ttlMs, blocked, blockMs] = (await this.redis.eval(INCREMENT, 2, k, `${k}:blocked`, ttl, limit, blockDuration || ttl)) as [number, number, number, number];
      this.failing = false;
      return { totalHits: hits, timeToExpire: Math.max(0, Math.ceil(ttlMs / 1000)), isBlocked: blocked === 1, timeToBlockExpire: Math.max(0, Math.ceil(blockMs / 1000)) };
    } catch (e) {
      if (!this.failing) this.logger.warn(`rate limiting suspended, Redis unavailable: ${(e as Error).message}`);
      this.failing = true;
      return { totalHits: 0, timeToExpire: 0, isBlocked: false, timeToBlockExpire: 0 };
    }
  }
}
