import 'reflect-metadata';
import { bootstrapService, runMain, serveInProcesses } from '@shipyard/service-kit';
import { InferenceModule } from './app.module';
import { loadInferenceConfig } from './config';
import { configureInferenceHttp } from './http/configure-http';

runMain(async () => {
  const config = loadInferenceConfig();
  const processes = process.env.SHIPYARD_MIGRATE_ONLY === 'true' ? 1 : config.SHIPYARD_INFERENCE_PROCESSES;
  await serveInProcesses({ service: 'inference', processes, shutdownTimeoutMs: config.SHIPYARD_SHUTDOWN_TIMEOUT_MS, logLevel: config.SHIPYARD_LOG_LEVEL }, () =>
    bootstrapService({
      service: 'inference',
      title: 'Shipyard inference',
      module: InferenceModule.register(config),
      host: config.SHIPYARD_BIND_HOST,
      port: config.SHIPYARD_INFERENCE_PORT,
      shutdownTimeoutMs: config.SHIPYARD_SHUTDOWN_TIMEOUT_MS,
      configure: (app) => configureInferenceHttp(app, config),
    }),
  );
});
