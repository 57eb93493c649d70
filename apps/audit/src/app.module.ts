import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { ServiceKitModule } from '@shipyard/service-kit';
import { AnchorTimer } from './chain/anchor-timer.job';
import { AuditChainController } from './chain/chain.controller';
import { ChainVerifierJob } from './chain/chain-verifier.job';
import { VerifyChain } from './chain/verify-chain.use-case';
import { AuditConfig } from './config';
import { AuditConsumer } from './events/audit-consumer';
import { AuditEventsController } from './events/audit-events.controller';
import { AuditEventsQueryService } from './events/audit-events.query';
import { AuditRecorder, RecorderOptions } from './events/audit-recorder';
import { AuditExportController } from './export/export.controller';
import { ExportAuditEvents } from './export/export-events.use-case';
import { auditMigrations } from './migrations';
import { PartitionUpkeep } from './partitions/partition-upkeep.job';
import { AUDIT_CONFIG, RECORDER_OPTIONS } from './tokens';

@Module({})
export class AuditModule {
  static register(config: AuditConfig, logDestination?: DestinationStream): DynamicModule {
    const recorderOptions: Partial<RecorderOptions> = { anchorEvery: config.SHIPYARD_AUDIT_ANCHOR_EVERY };
    return {
      module: AuditModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'audit',
          config,
          database: { schema: 'audit', entities: [], migrations: auditMigrations(config.SHIPYARD_AUDIT_DB_ROLE), outbox: false },
          ...(logDestination ? { logDestination } : {}),
        }),
      ],
      controllers: [AuditEventsController, AuditChainController, AuditExportController],
      providers: [
        { provide: AUDIT_CONFIG, useValue: config },
        { provide: RECORDER_OPTIONS, useValue: recorderOptions },
        AuditRecorder,
        AuditConsumer,
        AuditEventsQueryService,
        VerifyChain,
        ChainVerifierJob,
        AnchorTimer,
        PartitionUpkeep,
        ExportAuditEvents,
      ],
    };
  }
}
