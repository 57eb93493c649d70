import 'reflect-metadata';
import { bootstrapService, runMain } from '@shipyard/service-kit';
import { RegistryModule } from './app.module';
import { loadRegistryConfig } from './config';

runMain(async () => {
  const config = loadRegistryConfig();
  await bootstrapService({
    service: 'registry',
    title: 'Shipyard registry',
    module: RegistryModule.register(config),
    host: config.SHIPYARD_BIND_HOST,
    port: config.SHIPYARD_REGISTRY_PORT,
    shutdownTimeoutMs: config.SHIPYARD_SHUTDOWN_TIMEOUT_MS,
    // Artifact uploads arrive as the raw request stream (no body limit applies to it: the use case enforces
    // SHIPYARD_ARTIFACT_MAX_BYTES from Content-Length and stops at the declared size).
    configure: (app) => {
      app.getHttpAdapter().getInstance().addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    },
  });
});
