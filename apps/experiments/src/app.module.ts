import { DynamicModule, Module } from '@nestjs/common';
import type { DestinationStream } from 'pino';
import { RpcClient, RpcServer, ServiceKitModule } from '@shipyard/service-kit';
import { ExperimentsConfig } from './config';
import { DatasetsRepository } from './datasets/datasets.repository';
import { InputsController } from './datasets/inputs.controller';
import { LogInputsUseCase } from './datasets/log-inputs.use-case';
import { CreateExperimentUseCase } from './experiments/create-experiment.use-case';
import { ExperimentQueries } from './experiments/experiment.queries';
import { ExperimentsController } from './experiments/experiments.controller';
import { ExperimentsRepository } from './experiments/experiments.repository';
import { ExperimentLifecycleUseCase, UpdateExperimentUseCase } from './experiments/update-experiment.use-case';
import { LineageController } from './lineage/lineage.controller';
import { LineageGraphQuery } from './lineage/lineage.query';
import { LineageRepository } from './lineage/lineage.repository';
import { RegistryVersions } from './lineage/registry-versions';
import { DeleteRunTagUseCase } from './metrics/delete-tag.use-case';
import { LogBatchUseCase, RunDataWriter } from './metrics/log-batch.use-case';
import { MetricHistoryQuery } from './metrics/metric-history.query';
import { RunDataController } from './metrics/run-data.controller';
import { RunDataRepository } from './metrics/run-data.repository';
import { experimentsMigrations } from './migrations';
import { DefaultExperiment } from './mlflow/default-experiment';
import { MlflowArtifactsController } from './mlflow/mlflow-artifacts.controller';
import { MlflowExperimentsController } from './mlflow/mlflow-experiments.controller';
import { MlflowLogBatchUseCase, MlflowUpdateRunUseCase } from './mlflow/mlflow-run-name.use-cases';
import { MlflowRunsController } from './mlflow/mlflow-runs.controller';
import { MlflowExperimentSearch } from './mlflow/mlflow-experiment-search';
import { RunArtifacts } from './mlflow/run-artifacts';
import { RunSummaryResponder } from './rpc/run-summary.responder';
import { CreateRunUseCase } from './runs/create-run.use-case';
import { RunQueries } from './runs/run.queries';
import { RunsController } from './runs/runs.controller';
import { RunsRepository } from './runs/runs.repository';
import { RunLifecycleUseCase, RunUpdater, UpdateRunUseCase } from './runs/update-run.use-case';
import { SearchController } from './search/search.controller';
import { SearchRunsQuery } from './search/search-runs.query';
import { EXPERIMENTS_CONFIG } from './tokens';

/** Use cases are exported so other transports in this service (the MLflow-compatible REST layer) reuse them. */
const USE_CASES = [
  CreateExperimentUseCase, UpdateExperimentUseCase, ExperimentLifecycleUseCase, ExperimentQueries,
  CreateRunUseCase, UpdateRunUseCase, RunLifecycleUseCase, RunQueries,
  LogBatchUseCase, DeleteRunTagUseCase, MetricHistoryQuery, LogInputsUseCase, SearchRunsQuery,
];

@Module({})
export class ExperimentsModule {
  static register(config: ExperimentsConfig, logDestination?: DestinationStream): DynamicModule {
    return {
      module: ExperimentsModule,
      imports: [
        ServiceKitModule.forRoot({
          service: 'experiments',
          config,
          database: { schema: 'experiments', entities: [], migrations: experimentsMigrations, outbox: true, idempotency: true },
          ...(logDestination ? { logDestination } : {}),
        }),
      ],
      // SearchController before RunsController: "search" must not be taken for a run id by any router.
      controllers: [ExperimentsController, SearchController, RunsController, RunDataController, InputsController, LineageController, MlflowExperimentsController, MlflowRunsController, MlflowArtifactsController],
      providers: [
        { provide: EXPERIMENTS_CONFIG, useValue: config },
        ExperimentsRepository, RunsRepository, RunDataRepository, DatasetsRepository, RunUpdater, RunDataWriter,
        ...USE_CASES,
        RpcServer,
        RpcClient,
        RunSummaryResponder,
        LineageRepository,
        RegistryVersions,
        LineageGraphQuery,
        RunArtifacts,
        MlflowExperimentSearch,
        DefaultExperiment,
        MlflowLogBatchUseCase,
        MlflowUpdateRunUseCase,
      ],
      exports: USE_CASES,
    };
  }
}
