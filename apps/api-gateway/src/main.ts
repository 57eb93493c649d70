import 'reflect-metadata';
import { bootstrapService, runMain, serveInProcesses } from '@shipyard/service-kit';
import { GatewayModule } from './app.module';
import { loadGatewayConfig } from './config';
import { configureGatewayHttp } from './gateway-http';
import { documentIdempotency } from './openapi-idempotency';
import { proxyTrust } from './proxy/client-address';

runMain(async () => {
  const config = loadGatewayConfig();
  const supervision = { service: 'api-gateway', processes: config.SHIPYARD_GATEWAY_PROCESSES, shutdownTimeoutMs: config.SHIPYARD_SHUTDOWN_TIMEOUT_MS, logLevel: config.SHIPYARD_LOG_LEVEL };
  await serveInProcesses(supervision, () => bootstrapService({
    service: 'api-gateway',
    title: 'Shipyard API',
    module: GatewayModule.register(config),
    host: config.SHIPYARD_BIND_HOST,
    port: config.SHIPYARD_GATEWAY_PORT,
    shutdownTimeoutMs: config.SHIPYARD_SHUTDOWN_TIMEOUT_MS,
    bodyParser: false,
    trustProxy: proxyTrust(config.SHIPYARD_TRUST_PROXY),
    configure: (app) => configureGatewayHttp(app, config),
    openApi: documentIdempotency,
  }));
});
