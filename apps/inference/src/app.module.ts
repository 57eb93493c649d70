import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { ServiceKitModule } from '@shipyard/service-kit';
import { InferenceConfig } from './config';
import { inferenceMigrations } from './migrations';

@Module({})
export class InferenceModule {
  static register(config: InferenceConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: InferenceModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'inference',
          config,
          database: { schema: 'inference', entities: [], migrations: inferenceMigrations, outbox: true },
          ...(logDestination ? { logDestination } : {}),
        }),
      ],
    };
  }
}
