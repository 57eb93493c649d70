import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { LifecycleStage, RUN_DELETED, RUN_RESTORED, RUN_UPDATED, RunResponse, RunStatus } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { Caller } from '../common/caller';
import { InvalidRunTimes, RunDeleted, RunNotFound } from '../common/errors';
import { assertRunName } from '../common/validation';
import { runFields, toRunResponse } from './run.mapper';
import { RunDetail, RunRow, RunsRepository } from './runs.repository';

export interface UpdateRunCommand {
  name?: string;
  status?: RunStatus;
  endTime?: Date;
}

/** A run's own fields (name, status, end time) changed, with the run.updated event; inside its caller's transaction. */
@Injectable()
export class RunUpdater {
  constructor(
    private readonly runs: RunsRepository,
    private readonly outbox: Outbox,
  ) {}

  /**
   * `run` was read FOR UPDATE in `em`'s transaction. A deleted run is refused before anything is written, as
   * MLflow's SQL store refuses it: restore it first. A terminal status without an end time ends the run now
   * (MLflow's update-run). No change, no event. Returns the run as it now is.
   */
  async apply(em: EntityManager, run: RunRow, cmd: UpdateRunCommand, caller: Caller): Promise<RunRow> {
    if (run.lifecycle_stage !== 'active') throw new RunDeleted(run.id);
    const next: RunRow = { ...run };
    if (cmd.name !== undefined) next.name = cmd.name;
    if (cmd.status !== undefined) next.status = cmd.status;
    if (cmd.endTime !== undefined) next.end_time = cmd.endTime;
    else if (cmd.status && cmd.status !== 'RUNNING' && !run.end_time) next.end_time = new Date();
    if (next.end_time && next.end_time < next.start_time) throw new InvalidRunTimes(`endTime ${next.end_time.toISOString()} is before the run's startTime ${next.start_time.toISOString()}`);
    const before = runFields(run);
    const after = runFields(next);
    const changed = Object.keys(after).filter((k) => after[k] !== before[k]);
    if (changed.length === 0) return run;
    next.updated_at = new Date();
    await this.runs.update(em, next);
    await this.outbox.add(em, {
      subject: RUN_UPDATED,
      actor: caller.actor,
      correlationId: caller.requestId,
      aggregate: { type: 'run', id: run.id },
      payload: { id: run.id, experimentId: run.experiment_id, status: next.status, changed },
      before: Object.fromEntries(changed.map((k) => [k, before[k]])),
      after: Object.fromEntries(changed.map((k) => [k, after[k]])),
    });
    return next;
  }
}

@Injectable()
export class UpdateRunUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly runs: RunsRepository,
    private readonly updater: RunUpdater,
  ) {}

  /** Rename a run or change its status / end time; a deleted run is refused (RunDeleted) with nothing written. */
  async execute(id: string, cmd: UpdateRunCommand, caller: Caller): Promise<RunResponse> {
    assertRunName(cmd.name);
    return this.tx.run(async (em) => {
      const run = await this.runs.find(em, id, 'update');
      if (!run) throw new RunNotFound(id);
      const [d] = await this.runs.details(em, [await this.updater.apply(em, run, cmd, caller)]);
      return toRunResponse(d as RunDetail);
    });
  }
}

@Injectable()
export class RunLifecycleUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly runs: RunsRepository,
    private readonly outbox: Outbox,
  ) {}

  /** Soft delete or restore: a deleted run drops out of searches (view=active) but keeps its data. */
  async execute(id: string, stage: LifecycleStage, caller: Caller): Promise<RunResponse> {
    return this.tx.run(async (em) => {
      const run = await this.runs.find(em, id, 'update');
      if (!run) throw new RunNotFound(id);
      const next: RunRow = { ...run, lifecycle_stage: stage };
      if (run.lifecycle_stage !== stage) {
        next.updated_at = new Date();
        await this.runs.update(em, next);
        await this.outbox.add(em, {
          subject: stage === 'deleted' ? RUN_DELETED : RUN_RESTORED,
          actor: caller.actor,
          correlationId: caller.requestId,
          aggregate: { type: 'run', id: run.id },
          payload: { id: run.id, experimentId: run.experiment_id },
          before: { lifecycleStage: run.lifecycle_stage },
          after: { lifecycleStage: stage },
        });
      }
      const [d] = await this.runs.details(em, [next]);
      return toRunResponse(d as RunDetail);
    });
  }
}
