import { Injectable } from '@nestjs/common';
import { DATASET_CONTEXTS, DatasetContext, RUN_INPUTS_LOGGED, RunResponse, DATASET_DIGEST_PATTERN, DATASET_NAME_MAX } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { Caller } from '../common/caller';
import { CommandInvalid, RunDeleted, RunNotFound } from '../common/errors';
import { Problems } from '../common/validation';
import { toRunResponse } from '../runs/run.mapper';
import { RunDetail, RunsRepository } from '../runs/runs.repository';
import { DatasetDraft, DatasetsRepository } from './datasets.repository';

export interface LogInputsCommand {
  datasets: Array<DatasetDraft & { context: DatasetContext }>;
}

@Injectable()
export class LogInputsUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly runs: RunsRepository,
    private readonly datasets: DatasetsRepository,
    private readonly outbox: Outbox,
  ) {}

  /** Records datasets (by name + digest) as inputs of a run; linking the same one twice is a no-op without an event. */
  async execute(runId: string, cmd: LogInputsCommand, caller: Caller): Promise<RunResponse> {
    const problems: Problems = [];
    cmd.datasets.forEach((d, i) => {
      // The MLflow route reaches here without the DTO's checks.
      if (d.name.length < 1 || d.name.length > DATASET_NAME_MAX) problems.push({ field: `datasets[${i}].name`, problems: [`name must be 1 to ${DATASET_NAME_MAX} characters`] });
      if (!DATASET_DIGEST_PATTERN.test(d.digest)) problems.push({ field: `datasets[${i}].digest`, problems: ['digest must be 1–128 characters of hash text (sha256 hex recommended)'] });
      if (!(DATASET_CONTEXTS as readonly string[]).includes(d.context)) problems.push({ field: `datasets[${i}].context`, problems: [`context must be one of ${DATASET_CONTEXTS.join(', ')}`] });
    });
    if (problems.length) throw new CommandInvalid(problems);
    return this.tx.run(async (em) => {
      const run = await this.runs.find(em, runId, 'share');
      if (!run) throw new RunNotFound(runId);
      if (run.lifecycle_stage !== 'active') throw new RunDeleted(run.id);
      const linked: Array<{ id: string; name: string; digest: string; context: string }> = [];
      for (const d of cmd.datasets) {
        const dataset = await this.datasets.upsert(em, d);
        if (await this.datasets.link(em, run.id, dataset.id, d.context)) linked.push({ ...dataset, context: d.context });
      }
      if (linked.length) {
        await this.outbox.add(em, {
          subject: RUN_INPUTS_LOGGED,
          actor: caller.actor,
          correlationId: caller.requestId,
          aggregate: { type: 'run', id: run.id },
          payload: { id: run.id, experimentId: run.experiment_id, datasets: linked },
        });
      }
      const [detail] = await this.runs.details(em, [run]);
      return toRunResponse(detail as RunDetail);
    });
  }
}
