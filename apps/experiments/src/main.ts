import 'reflect-metadata';
import { bootstrapService, runMain } from '@shipyard/service-kit';
import { ExperimentsModule } from './app.module';
import { loadExperimentsConfig } from './config';
import { streamArtifactUploads } from './mlflow/mlflow-artifacts.controller';

runMain(async () => {
  const config = loadExperimentsConfig();
  await bootstrapService({
    service: 'experiments',
    title: 'Shipyard experiments',
    module: ExperimentsModule.register(config),
    host: config.SHIPYARD_BIND_HOST,
    port: config.SHIPYARD_EXPERIMENTS_PORT,
    shutdownTimeoutMs: config.SHIPYARD_SHUTDOWN_TIMEOUT_MS,
    bodyLimitBytes: config.SHIPYARD_EXPERIMENTS_BODY_LIMIT_BYTES,
    configure: streamArtifactUploads,
  });
});
