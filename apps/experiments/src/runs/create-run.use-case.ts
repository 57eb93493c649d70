import { Injectable } from '@nestjs/common';
import { RUN_CREATED, RunResponse, RunStatus } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions, uuidv7 } from '@shipyard/persistence';
import { Caller } from '../common/caller';
import { ExperimentDeleted, ExperimentNotFound } from '../common/errors';
import { assertRunName, assertTags } from '../common/validation';
import { ExperimentsRepository } from '../experiments/experiments.repository';
import { RunDataRepository } from '../metrics/run-data.repository';
import { runFields, toRunResponse } from './run.mapper';
import { RunRow, RunsRepository } from './runs.repository';

export interface CreateRunCommand {
  experimentId: string;
  name?: string | null;
  startTime?: Date;
  status?: RunStatus;
  /** Default: the caller's user id. */
  userId?: string | null;
  source?: string | null;
  gitCommit?: string | null;
  framework?: string | null;
  tags?: Record<string, string>;
}

@Injectable()
export class CreateRunUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly experiments: ExperimentsRepository,
    private readonly runs: RunsRepository,
    private readonly data: RunDataRepository,
    private readonly outbox: Outbox,
  ) {}

  async execute(cmd: CreateRunCommand, caller: Caller): Promise<RunResponse> {
    assertTags(cmd.tags);
    assertRunName(cmd.name);
    return this.tx.run(async (em) => {
      // FOR SHARE keeps the experiment from being deleted while its run is created.
      const experiment = await this.experiments.findByRef(em, cmd.experimentId, 'share');
      if (!experiment || experiment.id !== cmd.experimentId) throw new ExperimentNotFound(cmd.experimentId);
      if (experiment.lifecycle_stage !== 'active') throw new ExperimentDeleted(experiment.id);
      const now = new Date();
      const id = uuidv7(now.getTime());
      const run: RunRow = {
        id,
        experiment_id: experiment.id,
        name: cmd.name ?? null,
        status: cmd.status ?? 'RUNNING',
        start_time: cmd.startTime ?? now,
        end_time: null,
        user_id: cmd.userId === undefined ? caller.userId : cmd.userId,
        source: cmd.source ?? null,
        git_commit: cmd.gitCommit ?? null,
        framework: cmd.framework ?? null,
        artifact_uri: `${experiment.artifact_location.replace(/\/+$/, '')}/${id}/artifacts`,
        lifecycle_stage: 'active',
        created_at: now,
        updated_at: now,
      };
      await this.runs.insert(em, run);
      const tags = cmd.tags ?? {};
      await this.data.upsertTags(em, id, tags);
      const [detail] = await this.runs.details(em, [run]);
      await this.outbox.add(em, {
        subject: RUN_CREATED,
        actor: caller.actor,
        correlationId: caller.requestId,
        aggregate: { type: 'run', id },
        payload: { id, experimentId: experiment.id, name: run.name, status: run.status, startTime: run.start_time.toISOString(), userId: run.user_id },
        after: { ...runFields(run), experimentId: experiment.id, tags },
      });
      return toRunResponse(detail ?? { ...run, params: {}, tags, metrics: [], inputs: [] });
    });
  }
}
