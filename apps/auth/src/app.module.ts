import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { ServiceKitModule } from '@shipyard/service-kit';
import { AuthConfig } from './config';
import { authMigrations } from './migrations';

@Module({})
export class AuthModule {
  static register(config: AuthConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: AuthModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'auth',
          config,
          database: { schema: 'auth', entities: [], migrations: authMigrations, outbox: true },
          ...(logDestination ? { logDestination } : {}),
        }),
      ],
    };
  }
}
