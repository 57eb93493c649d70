import { Injectable } from '@nestjs/common';
import { RunResponse } from '@shipyard/contracts';
import { Transactions } from '@shipyard/persistence';
import { Caller } from '../common/caller';
import { RunNotFound } from '../common/errors';
import { assertRunName } from '../common/validation';
import { LogBatchCommand, validateBatch } from '../metrics/batch-validation';
import { LogBatchUseCase, RunDataWriter } from '../metrics/log-batch.use-case';
import { toRunResponse } from '../runs/run.mapper';
import { RunDetail, RunsRepository } from '../runs/runs.repository';
import { RunUpdater, UpdateRunCommand } from '../runs/update-run.use-case';
import { RUN_NAME_TAG } from './mlflow.mapper';

/*
 * MLflow keeps info.run_name and the mlflow.runName tag equal. Shipyard keeps the name in the runs row and the
 * tag with the other tags, so an MLflow write of either writes both, in one transaction under the run's row lock
 * (FOR UPDATE): concurrent renames queue instead of interleaving, and the name and the tag never part. The events
 * stay the native ones (run.data_logged for the tag, run.updated for the name), committed together.
 */

/** MLflow's log-batch and set-tag: a batch that sets mlflow.runName (its last value) renames the run with it. */
@Injectable()
export class MlflowLogBatchUseCase {
  constructor(
    private readonly logBatch: LogBatchUseCase,
    private readonly updater: RunUpdater,
  ) {}

  async execute(runId: string, cmd: LogBatchCommand, caller: Caller): Promise<void> {
    const batch = validateBatch(cmd);
    // An empty value is logged as the tag but names nothing: the run keeps its name.
    const name = batch.tags[RUN_NAME_TAG] || undefined;
    assertRunName(name, `tags.${RUN_NAME_TAG}`);
    await this.logBatch.write(runId, batch, caller, name === undefined ? undefined : (em, run) => this.updater.apply(em, run, { name }, caller));
  }
}

/** MLflow's runs/update: a rename sets the mlflow.runName tag with it (adding it when the run had none), as MLflow's server does. */
@Injectable()
export class MlflowUpdateRunUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly runs: RunsRepository,
    private readonly writer: RunDataWriter,
    private readonly updater: RunUpdater,
  ) {}

  async execute(runId: string, cmd: UpdateRunCommand, caller: Caller): Promise<RunResponse> {
    assertRunName(cmd.name);
    const tag = cmd.name === undefined ? null : { value: cmd.name, batch: validateBatch({ tags: [{ key: RUN_NAME_TAG, value: cmd.name }] }) };
    return this.tx.run(async (em) => {
      const run = await this.runs.find(em, runId, 'update');
      if (!run) throw new RunNotFound(runId);
      const next = await this.updater.apply(em, run, cmd, caller);
      const [detail] = (await this.runs.details(em, [next])) as [RunDetail];
      if (tag && detail.tags[RUN_NAME_TAG] !== tag.value) {
        await this.writer.write(em, next, tag.batch, caller, false);
        detail.tags[RUN_NAME_TAG] = tag.value;
      }
      return toRunResponse(detail);
    });
  }
}
