import helmet from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { GatewayConfig } from './config';
import { registerInferenceFastPath } from './proxy/inference-fast-path';
import { streamBodiesThrough } from './proxy/stream-bodies';

/** The gateway's HTTP edge on top of createServiceApp's (main.ts and the in-process tests share it). */
export async function configureGatewayHttp(app: NestFastifyApplication, config: GatewayConfig): Promise<void> {
  const origins = config.SHIPYARD_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  streamBodiesThrough(app);
  // Swagger UI at /docs needs inline scripts and styles; everything else gets helmet's strict defaults.
  await app.register(helmet, { contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'", "'unsafe-inline'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] } } });
  app.enableCors({ origin: origins.length ? origins : false, credentials: false, exposedHeaders: ['x-request-id', 'retry-after'] });
  // Inference calls skip the Nest pipeline (same auth, permission, rate limit and proxying): see the module.
  registerInferenceFastPath(app);
}
