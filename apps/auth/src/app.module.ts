import { DynamicModule, Module, OnApplicationBootstrap } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { redisProvider, ServiceKitModule } from '@shipyard/service-kit';
import { ApiKeysController, AdminApiKeysController, InternalApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AuthConfig } from './config';
import { JwksController } from './keys/jwks.controller';
import { SigningKeys } from './keys/signing-keys';
import { authMigrations } from './migrations';
import { AuthController } from './sessions/auth.controller';
import { LoginThrottle } from './sessions/login-throttle';
import { LoginUseCase, LogoutUseCase, RefreshUseCase } from './sessions/session.use-cases';
import { TokenIssuer } from './sessions/tokens';
import { AUTH_CONFIG, REDIS } from './tokens';
import { AdminUsersController } from './users/admin-users.controller';
import { BootstrapAdmin, CreateUserUseCase, ListUsersQuery, ResetPasswordUseCase, UpdateUserUseCase } from './users/admin-users.use-cases';
import { Passwords } from './users/passwords';
import { UsersRepository } from './users/users.repository';

@Module({})
export class AuthModule implements OnApplicationBootstrap {
  constructor(private readonly bootstrapAdmin: BootstrapAdmin) {}

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
      controllers: [AuthController, JwksController, ApiKeysController, AdminApiKeysController, AdminUsersController, InternalApiKeysController],
      providers: [
        { provide: AUTH_CONFIG, useValue: config },
        redisProvider(REDIS, AUTH_CONFIG),
        SigningKeys,
        Passwords,
        UsersRepository,
        TokenIssuer,
        LoginThrottle,
        LoginUseCase,
        RefreshUseCase,
        LogoutUseCase,
        CreateUserUseCase,
        UpdateUserUseCase,
        ResetPasswordUseCase,
        ListUsersQuery,
        BootstrapAdmin,
        ApiKeysService,
      ],
    };
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.bootstrapAdmin.run();
  }
}
