import 'reflect-metadata';
import helmet from '@fastify/helmet';
import { bootstrapService, runMain } from '@shipyard/service-kit';
import { GatewayModule } from './app.module';
import { loadGatewayConfig } from './config';
import { registerInferenceFastPath } from './proxy/inference-fast-path';
import { streamBodiesThrough } from './proxy/stream-bodies';

runMain(async () => {
  const config = loadGatewayConfig();
  const origins = config.SHIPYARD_CORS_ORIGINS.split(',').map((o) => o.trim()).filter(Boolean);
  await bootstrapService({
    service: 'api-gateway',
    title: 'Shipyard API',
    module: GatewayModule.register(config),
    host: config.SHIPYARD_BIND_HOST,
    port: config.SHIPYARD_GATEWAY_PORT,
    shutdownTimeoutMs: config.SHIPYARD_SHUTDOWN_TIMEOUT_MS,
    bodyParser: false,
    configure: async (app) => {
      streamBodiesThrough(app);
      // Swagger UI at /docs needs inline scripts and styles; everything else gets helmet's strict defaults.
      await app.register(helmet, { contentSecurityPolicy: { directives: { defaultSrc: ["'self'"], scriptSrc: ["'self'", "'unsafe-inline'"], styleSrc: ["'self'", "'unsafe-inline'"], imgSrc: ["'self'", 'data:'] } } });
      app.enableCors({ origin: origins.length ? origins : false, credentials: false, exposedHeaders: ['x-request-id', 'retry-after'] });
      // Inference calls skip the Nest pipeline (same auth, permission, rate limit and proxying): see the module.
      registerInferenceFastPath(app);
    },
  });
});
