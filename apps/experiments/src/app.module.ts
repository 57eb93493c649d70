import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { ServiceKitModule } from '@shipyard/service-kit';
import { ExperimentsConfig } from './config';
import { experimentsMigrations } from './migrations';

@Module({})
export class ExperimentsModule {
  static register(config: ExperimentsConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: ExperimentsModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'experiments',
          config,
          database: { schema: 'experiments', entities: [], migrations: experimentsMigrations, outbox: true },
          ...(logDestination ? { logDestination } : {}),
        }),
      ],
    };
  }
}
