import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { RpcClient, RpcServer, ServiceKitModule } from '@shipyard/service-kit';
import { ArtifactsController } from './artifacts/artifacts.controller';
import { artifactStorageProviders } from './artifacts/artifact-storage';
import { DownloadArtifact } from './artifacts/download-artifact';
import { FinalizeUpload } from './artifacts/finalize-upload';
import { PresignedUploadUseCase } from './artifacts/presigned-upload.use-case';
import { UploadArtifactUseCase } from './artifacts/upload-artifact.use-case';
import { GOVERNANCE_CONTROLLERS, GOVERNANCE_PROVIDERS } from './governance.providers';
import { RegistryConfig } from './config';
import { LineageRepository } from './lineage/lineage.repository';
import { LineageResponder } from './lineage/lineage.responder';
import { registryMigrations } from './migrations';
import { MlflowRegistryController } from './mlflow/mlflow-registry.controller';
import { MlflowRegistrySearch } from './mlflow/mlflow-registry-search';
import { ResolveVersionResponder } from './rpc/resolve-version.responder';
import { SourceArtifacts } from './versions/source-artifact';
import { SourcePins } from './versions/source-pins';
import { REGISTRY_CONFIG } from './tokens';
import { CreateModelUseCase } from './models/create-model.use-case';
import { DeleteModelUseCase } from './models/delete-model.use-case';
import { ModelEntity } from './models/model.entity';
import { ModelQueries } from './models/model.queries';
import { ModelsController } from './models/models.controller';
import { ModelsRepository } from './models/models.repository';
import { RestoreModelUseCase } from './models/restore-model.use-case';
import { UpdateModelUseCase } from './models/update-model.use-case';
import { CreateVersionUseCase } from './versions/create-version.use-case';
import { ModelVersionEntity } from './versions/model-version.entity';
import { DeleteVersionUseCase } from './versions/delete-version.use-case';
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
          database: { schema: 'registry', entities: [ModelEntity, ModelVersionEntity], migrations: registryMigrations, outbox: true, idempotency: true },
          ...(logDestination ? { logDestination } : {}),
        }),
      ],
      controllers: [ModelsController, VersionsController, ArtifactsController, ...GOVERNANCE_CONTROLLERS, MlflowRegistryController],
      providers: [
        ModelsRepository,
        MlflowRegistrySearch,
        CreateModelUseCase,
        UpdateModelUseCase,
        DeleteModelUseCase,
        ModelQueries,
        RestoreModelUseCase,
        VersionsRepository,
        VersionLookup,
        VersionQueries,
        CreateVersionUseCase,
        UpdateVersionUseCase,
        DeleteVersionUseCase,
        { provide: REGISTRY_CONFIG, useValue: config },
        ...artifactStorageProviders(config),
        FinalizeUpload,
        UploadArtifactUseCase,
        PresignedUploadUseCase,
        DownloadArtifact,
        RpcServer,
        RpcClient,
        ResolveVersionResponder,
        SourceArtifacts,
        SourcePins,
        LineageRepository,
        LineageResponder,
        ...GOVERNANCE_PROVIDERS,
      ],
    };
  }
}
