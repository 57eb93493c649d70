import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { ServiceKitModule } from '@shipyard/service-kit';
import { InferenceConfig } from './config';
import { DeployModelUseCase } from './deployments/deploy-model.use-case';
import { DeploymentEntity } from './deployments/deployment.entity';
import { DeploymentsController } from './deployments/deployments.controller';
import { DeploymentsRepository } from './deployments/deployments.repository';
import { UndeployModelUseCase } from './deployments/undeploy-model.use-case';
import { inferenceMigrations } from './migrations';
import { servingProviders } from './models/serving.providers';

@Module({})
export class InferenceModule {
  static register(config: InferenceConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: InferenceModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'inference',
          config,
          database: { schema: 'inference', entities: [DeploymentEntity], migrations: inferenceMigrations, outbox: true, idempotency: true },
          ...(logDestination ? { logDestination } : {}),
          // The data plane counts requests, latency and errors in metrics; a log line each would cost more than the inference.
          unloggedPaths: ['v2/*path', 'api/v1/predict/*path'],
        }),
      ],
      controllers: [DeploymentsController],
      providers: [...servingProviders(config), DeploymentsRepository, DeployModelUseCase, UndeployModelUseCase],
    };
  }
}
