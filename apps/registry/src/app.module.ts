import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { RpcClient, ServiceKitModule } from '@shipyard/service-kit';
import { GOVERNANCE_CONTROLLERS, GOVERNANCE_PROVIDERS } from './governance.providers';
import { RegistryConfig } from './config';
import { registryMigrations } from './migrations';
import { CreateModelUseCase } from './models/create-model.use-case';
import { DeleteModelUseCase } from './models/delete-model.use-case';
import { ModelEntity } from './models/model.entity';
import { ModelQueries } from './models/model.queries';
import { ModelsController } from './models/models.controller';
import { ModelsRepository } from './models/models.repository';
import { UpdateModelUseCase } from './models/update-model.use-case';
import { CreateVersionUseCase } from './versions/create-version.use-case';
import { ModelVersionEntity } from './versions/model-version.entity';
import { UpdateVersionUseCase } from './versions/update-version.use-case';
import { VersionLookup, VersionQueries } from './versions/version.queries';
import { VersionsController } from './versions/versions.controller';
import { VersionsRepository } from './versions/versions.repository';

@Module({})
export class RegistryModule {
  static register(config: RegistryConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: RegistryModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'registry',
          config,
          database: { schema: 'registry', entities: [ModelEntity, ModelVersionEntity], migrations: registryMigrations, outbox: true },
          ...(logDestination ? { logDestination } : {}),
        }),
      ],
      controllers: [ModelsController, VersionsController, ...GOVERNANCE_CONTROLLERS],
      providers: [
        ModelsRepository,
        CreateModelUseCase,
        UpdateModelUseCase,
        DeleteModelUseCase,
        ModelQueries,
        VersionsRepository,
        VersionLookup,
        VersionQueries,
        CreateVersionUseCase,
        UpdateVersionUseCase,
        RpcClient,
        ...GOVERNANCE_PROVIDERS,
      ],
    };
  }
}
