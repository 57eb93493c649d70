import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { ConfigError } from '@shipyard/config';
import { bootstrapService, runMain } from '@shipyard/service-kit';
import { GatewayModule } from './app.module';
import { loadGatewayConfig } from './config';
import { streamBodiesThrough } from './proxy/stream-bodies';

runMain(async () => {
  const config = loadGatewayConfig();
  if (config.SHIPYARD_GATEWAY_DEV_ACTOR && config.SHIPYARD_ENV === 'production') {
    throw new ConfigError(['SHIPYARD_GATEWAY_DEV_ACTOR: development identities are not allowed when SHIPYARD_ENV=production']);
  }
  await bootstrapService({
    service: 'api-gateway',
    title: 'Shipyard API',
    module: GatewayModule.register(config),
    host: config.SHIPYARD_BIND_HOST,
    port: config.SHIPYARD_GATEWAY_PORT,
    shutdownTimeoutMs: config.SHIPYARD_SHUTDOWN_TIMEOUT_MS,
    bodyParser: false,
    configure: streamBodiesThrough,
  });
  if (config.SHIPYARD_GATEWAY_DEV_ACTOR) {
    new Logger('security').warn('DEVELOPMENT MODE: callers are trusted to name themselves with x-shipyard-dev-actor; no authentication is enforced');
  }
});
