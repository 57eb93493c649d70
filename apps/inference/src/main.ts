import 'reflect-metadata';
import { bootstrapService, runMain } from '@shipyard/service-kit';
import { InferenceModule } from './app.module';
import { loadInferenceConfig } from './config';
import { configureInferenceHttp } from './http/configure-http';

runMain(async () => {
  const config = loadInferenceConfig();
  await bootstrapService({
    service: 'inference',
    title: 'Shipyard inference',
    module: InferenceModule.register(config),
    host: config.SHIPYARD_BIND_HOST,
    port: config.SHIPYARD_INFERENCE_PORT,
    shutdownTimeoutMs: config.SHIPYARD_SHUTDOWN_TIMEOUT_MS,
    configure: (app) => configureInferenceHttp(app, config),
  });
});
