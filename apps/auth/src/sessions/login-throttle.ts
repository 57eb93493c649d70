import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { createHash } from 'node:crypto';
import { AUTH_CONFIG, REDIS } from '../tokens';
import type { AuthConfig } from '../config';

const WINDOW_MS = 60_000;

/**
 * Login attempts per account per minute, counted in Redis so the limit holds across auth replicas.
 * Keyed by a hash of the lower-cased email, for unknown accounts too (no existence oracle). When
 * Redis is unreachable the check is skipped (logged): the per-account lockout in PostgreSQL remains.
 */
@Injectable()
export class LoginThrottle {
  private readonly logger = new Logger('login-throttle');

  constructor(
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
  ) {}

  /** Counts an attempt; returns seconds to wait when over the limit, else 0. */
  async attempt(email: string): Promise<number> {
    const key = `${this.config.SHIPYARD_REDIS_KEY_PREFIX}:login:${createHash('sha256').update(email.toLowerCase()).digest('hex').slice(0, 32)}`;
    try {
      const results = await this.redis.multi().incr(key).pexpire(key, WINDOW_MS, 'NX').exec();
      const hits = Number(results?.[0]?.[1] ?? 0);
      if (hits > this.config.SHIPYARD_LOGIN_LIMIT_PER_ACCOUNT) {
        const remaining = await this.redis.pttl(key);
        return Math.max(1, Math.ceil(remaining / 1000));
      }
      return 0;
    } catch (e) {
      this.logger.warn(`login throttle unavailable (${(e as Error).message}); relying on the account lockout`);
      return 0;
    }
  }
}
