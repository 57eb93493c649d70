import { Logger, Provider } from '@nestjs/common';
import Redis from 'ioredis';
import { ProbeRegistry } from '@shipyard/observability';
import { Lifecycle } from './lifecycle';

/**
 * A Redis connection provider: fails fast while Redis is away (callers decide how to degrade),
 * reconnects by itself, reports readiness, and closes on shutdown.
 */
export function redisProvider(provide: symbol, configToken: symbol): Provider {
  return {
    provide,
    inject: [configToken, Lifecycle, ProbeRegistry],
    useFactory: (config: { SHIPYARD_REDIS_URL: string }, lifecycle: Lifecycle, probes: ProbeRegistry) => {
      const logger = new Logger('redis');
      const redis = new Redis(config.SHIPYARD_REDIS_URL, { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2000, retryStrategy: (n) => Math.min(n * 200, 2000) });
      let warned = false;
      redis.on('error', (e: Error) => {
        if (!warned) logger.warn(`Redis unavailable: ${e.message}`);
        warned = true;
      });
      redis.on('ready', () => {
        warned = false;
      });
      probes.add({ name: 'redis', check: async () => void (await redis.ping()) });
      lifecycle.onShutdown('messaging', 'redis', async () => void (await redis.quit().catch(() => redis.disconnect())));
      return redis;
    },
  };
}
