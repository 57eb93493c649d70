import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Actor } from '@shipyard/contracts';
import { Caller } from '../common/caller';
import { ExperimentNameTaken } from '../common/errors';
import { isUniqueViolation } from '../common/sql';
import { CreateExperimentUseCase } from '../experiments/create-experiment.use-case';
import { ExperimentsRepository } from '../experiments/experiments.repository';
import { DEFAULT_EXPERIMENT_ID, DEFAULT_EXPERIMENT_NAME } from './mlflow-ids';

const ACTOR: Actor = { type: 'system', id: 'experiments' };
/** Used only when an experiment created natively already has the name "Default". */
const FALLBACK_NAME = 'Default (MLflow experiment 0)';

/**
 * MLflow's experiment "0", created the first time an MLflow client needs it (as MLflow's stores create it
 * when they start on an empty database), through the create use case: one row, one experiment.created
 * event, attributed to the system and correlated with the request that caused it. Concurrent first uses
 * (one process or several replicas) meet on the primary key; the losers find the row there.
 */
@Injectable()
export class DefaultExperiment {
  private exists = false;

  constructor(
    private readonly ds: DataSource,
    private readonly experiments: ExperimentsRepository,
    private readonly create: CreateExperimentUseCase,
  ) {}

  async ensure(requestId: string): Promise<void> {
    if (this.exists) return;
    if (!(await this.experiments.findByRef(this.ds.manager, DEFAULT_EXPERIMENT_ID))) {
      const caller: Caller = { actor: ACTOR, userId: `${ACTOR.type}:${ACTOR.id}`, requestId };
      for (const name of [DEFAULT_EXPERIMENT_NAME, FALLBACK_NAME]) {
        try {
          await this.create.execute({ id: DEFAULT_EXPERIMENT_ID, name }, caller);
          break;
        } catch (e) {
          if (isUniqueViolation(e, 'experiments_pkey')) break;
          if (e instanceof ExperimentNameTaken && name !== FALLBACK_NAME) continue;
          throw e;
        }
      }
    }
    this.exists = true;
  }
}
