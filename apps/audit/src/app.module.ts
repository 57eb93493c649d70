import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { ServiceKitModule } from '@shipyard/service-kit';
import { AuditConfig } from './config';
import { AuditConsumer } from './events/audit-consumer';
import { AuditEventsController } from './events/audit-events.controller';
import { AuditEventsQueryService } from './events/audit-events.query';
import { AuditRecorder } from './events/audit-recorder';
import { auditMigrations } from './migrations';
import { AUDIT_CONFIG } from './tokens';

@Module({})
export class AuditModule {
  static register(config: AuditConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: AuditModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'audit',
          config,
          database: { schema: 'audit', entities: [], migrations: auditMigrations, outbox: false },
          ...(logDestination ? { logDestination } : {}),
        }),
      ],
      controllers: [AuditEventsController],
      providers: [{ provide: AUDIT_CONFIG, useValue: config }, AuditRecorder, AuditConsumer, AuditEventsQueryService],
    };
  }
}
