import { Inject, Injectable } from '@nestjs/common';
import { EXPERIMENT_CREATED, ExperimentResponse } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions, uuidv7 } from '@shipyard/persistence';
import { formatActor } from '@shipyard/service-kit';
import { Caller } from '../common/caller';
import { ExperimentNameTaken } from '../common/errors';
import { isUniqueViolation } from '../common/sql';
import { assertTags } from '../common/validation';
import type { ExperimentsConfig } from '../config';
import { EXPERIMENTS_CONFIG } from '../tokens';
import { toExperimentResponse } from './experiment.mapper';
import { Experiment, ExperimentsRepository } from './experiments.repository';

export interface CreateExperimentCommand {
  /** Only for experiments with a reserved id (MLflow's Default experiment); others get a fresh UUIDv7. */
  id?: string;
  name: string;
  description?: string | null;
  artifactLocation?: string;
  tags?: Record<string, string>;
}

@Injectable()
export class CreateExperimentUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly experiments: ExperimentsRepository,
    private readonly outbox: Outbox,
    @Inject(EXPERIMENTS_CONFIG) private readonly config: ExperimentsConfig,
  ) {}

  async execute(cmd: CreateExperimentCommand, caller: Caller): Promise<ExperimentResponse> {
    assertTags(cmd.tags);
    try {
      return await this.tx.run(async (em) => {
        const now = new Date();
        const id = cmd.id ?? uuidv7(now.getTime());
        const experiment: Experiment = {
          id,
          name: cmd.name,
          description: cmd.description ?? null,
          artifact_location: cmd.artifactLocation ?? `s3://${this.config.SHIPYARD_S3_BUCKET}/experiments/${id}`,
          lifecycle_stage: 'active',
          owner_id: formatActor(caller.actor),
          created_at: now,
          updated_at: now,
          tags: cmd.tags ?? {},
        };
        await this.experiments.insert(em, experiment);
        await this.experiments.upsertTags(em, id, experiment.tags);
        const response = toExperimentResponse(experiment);
        await this.outbox.add(em, {
          subject: EXPERIMENT_CREATED,
          actor: caller.actor,
          correlationId: caller.requestId,
          aggregate: { type: 'experiment', id },
          payload: { id, name: experiment.name, artifactLocation: experiment.artifact_location, tags: experiment.tags },
          after: response,
        });
        return response;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'experiments_name_key')) throw new ExperimentNameTaken(cmd.name);
      throw e;
    }
  }
}
