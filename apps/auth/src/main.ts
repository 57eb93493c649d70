import 'reflect-metadata';
import { bootstrapService, runMain } from '@shipyard/service-kit';
import { AuthModule } from './app.module';
import { loadAuthConfig } from './config';

runMain(async () => {
  const config = loadAuthConfig();
  await bootstrapService({
    service: 'auth',
    title: 'Shipyard auth',
    module: AuthModule.register(config),
    host: config.SHIPYARD_BIND_HOST,
    port: config.SHIPYARD_AUTH_PORT,
    shutdownTimeoutMs: config.SHIPYARD_SHUTDOWN_TIMEOUT_MS,
  });
});
