import 'reflect-metadata';
import { bootstrapService, runMain } from '@shipyard/service-kit';
import { ExperimentsModule } from './app.module';
import { loadExperimentsConfig } from './config';
import { ARTIFACT_BODY_TYPE, MLFLOW_ARTIFACT_PREFIXES, ORIGINAL_TYPE_HEADER } from './mlflow/mlflow-artifacts.controller';

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
    configure: (app) => {
      const fastify = app.getHttpAdapter().getInstance();
      // MLflow artifact uploads carry the file's own type (application/json included): stream them whatever it is.
      fastify.addHook('onRequest', (req, _reply, done) => {
        if (req.method === 'PUT' && MLFLOW_ARTIFACT_PREFIXES.some((p) => req.url.startsWith(`/${p}/`))) {
          req.headers[ORIGINAL_TYPE_HEADER] = req.headers['content-type'] ?? '';
          req.headers['content-type'] = ARTIFACT_BODY_TYPE;
        }
        done();
      });
      fastify.addContentTypeParser(ARTIFACT_BODY_TYPE, (_req, payload, done) => done(null, payload));
    },
  });
});
