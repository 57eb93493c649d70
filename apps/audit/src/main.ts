import 'reflect-metadata';
import { bootstrapService, runMain } from '@shipyard/service-kit';
import { AuditModule } from './app.module';
import { loadAuditConfig } from './config';

runMain(async () => {
  const config = loadAuditConfig();
  await bootstrapService({
    service: 'audit',
    title: 'Shipyard audit',
    module: AuditModule.register(config),
    host: config.SHIPYARD_BIND_HOST,
    port: config.SHIPYARD_AUDIT_PORT,
    shutdownTimeoutMs: config.SHIPYARD_SHUTDOWN_TIMEOUT_MS,
  });
});
