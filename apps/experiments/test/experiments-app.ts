import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServiceApp } from '@shipyard/service-kit';
import { TestDatabase, TestNatsServer } from '@shipyard/testing';
import { ExperimentsModule } from '../src/app.module';
import { loadExperimentsConfig } from '../src/config';
import { streamArtifactUploads } from '../src/mlflow/mlflow-artifacts.controller';

/** The experiments app in process (reached with fastify inject) on a fresh PostgreSQL database and a private NATS. */
export interface ExperimentsTestApp {
  app: NestFastifyApplication;
  db: TestDatabase;
  stop(): Promise<void>;
}

/** `env` adds to the app's configuration (an S3 server's, for the artifacts proxy). */
export async function startExperimentsApp(env: Record<string, string> = {}): Promise<ExperimentsTestApp> {
  const [db, nats] = await Promise.all([TestDatabase.create(), TestNatsServer.start()]);
  const config = loadExperimentsConfig({ SHIPYARD_ENV: 'test', SHIPYARD_DATABASE_URL: db.url, SHIPYARD_NATS_URL: nats.url, SHIPYARD_LOG_LEVEL: 'warn', ...env });
  const app = await createServiceApp({ service: 'experiments', title: 'experiments', module: ExperimentsModule.register(config), port: 0, shutdownTimeoutMs: 1000, configure: streamArtifactUploads });
  await app.init();
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    db,
    stop: async () => {
      await app.close();
      await nats.destroy();
      await db.drop();
    },
  };
}
