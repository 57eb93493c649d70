import { Inject, Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'undici';
import { DEFAULT_BODY_LIMIT_BYTES } from '@shipyard/service-kit';
import { GATEWAY_CONFIG } from '../tokens';
import type { GatewayConfig } from '../config';

export type UpstreamName = 'auth' | 'registry' | 'experiments' | 'audit' | 'inference';

/** One keep-alive connection pool per service behind the gateway. */
@Injectable()
export class Upstreams implements OnApplicationShutdown {
  private readonly pools: Record<UpstreamName, Pool>;

  constructor(@Inject(GATEWAY_CONFIG) readonly config: GatewayConfig) {
    const pool = (url: string) =>
      new Pool(url, {
        connections: config.SHIPYARD_GATEWAY_UPSTREAM_CONNECTIONS,
        pipelining: 1,
        keepAliveTimeout: 30_000,
        headersTimeout: config.SHIPYARD_GATEWAY_UPSTREAM_TIMEOUT_MS,
        bodyTimeout: config.SHIPYARD_GATEWAY_UPSTREAM_TIMEOUT_MS,
      });
    this.pools = {
      auth: pool(config.SHIPYARD_AUTH_URL),
      registry: pool(config.SHIPYARD_REGISTRY_URL),
      experiments: pool(config.SHIPYARD_EXPERIMENTS_URL),
      audit: pool(config.SHIPYARD_AUDIT_URL),
      inference: pool(config.SHIPYARD_INFERENCE_URL),
    };
  }

  /** The largest request body the service accepts on its JSON routes (streamed uploads have their own). */
  bodyLimit(name: UpstreamName): number {
    if (name === 'experiments') return this.config.SHIPYARD_EXPERIMENTS_BODY_LIMIT_BYTES;
    if (name === 'inference') return this.config.SHIPYARD_INFERENCE_BODY_LIMIT_BYTES;
    return DEFAULT_BODY_LIMIT_BYTES;
  }

  get(name: UpstreamName): Pool {
    return this.pools[name];
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(Object.values(this.pools).map((p) => p.close()));
  }
}
