import { Injectable } from '@nestjs/common';
import { EXPERIMENT_DELETED, EXPERIMENT_RESTORED, EXPERIMENT_UPDATED, ExperimentResponse, LifecycleStage } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { Caller } from '../common/caller';
import { ExperimentNameTaken, ExperimentNotFound } from '../common/errors';
import { isUniqueViolation } from '../common/sql';
import { assertTags } from '../common/validation';
import { toExperimentResponse } from './experiment.mapper';
import { ExperimentsRepository } from './experiments.repository';

export interface UpdateExperimentCommand {
  name?: string;
  description?: string | null;
  /** Set (upsert) these tags; tags not named stay. */
  tags?: Record<string, string>;
}

@Injectable()
export class UpdateExperimentUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly experiments: ExperimentsRepository,
    private readonly outbox: Outbox,
  ) {}

  /** Applies the given fields; the event names what changed with before and after. A no-op emits nothing. */
  async execute(ref: string, cmd: UpdateExperimentCommand, caller: Caller): Promise<ExperimentResponse> {
    assertTags(cmd.tags);
    try {
      return await this.tx.run(async (em) => {
        const current = await this.experiments.findByRef(em, ref, 'update');
        if (!current) throw new ExperimentNotFound(ref);
        const before: Record<string, unknown> = {};
        const after: Record<string, unknown> = {};
        const next = { ...current, tags: { ...current.tags } };
        if (cmd.name !== undefined && cmd.name !== current.name) {
          [before.name, after.name, next.name] = [current.name, cmd.name, cmd.name];
        }
        if (cmd.description !== undefined && cmd.description !== current.description) {
          [before.description, after.description, next.description] = [current.description, cmd.description, cmd.description];
        }
        const changedTags = Object.entries(cmd.tags ?? {}).filter(([k, v]) => current.tags[k] !== v);
        if (changedTags.length) {
          before.tags = current.tags;
          for (const [k, v] of changedTags) next.tags[k] = v;
          after.tags = next.tags;
        }
        const changed = Object.keys(after);
        if (changed.length === 0) return toExperimentResponse(current);
        next.updated_at = new Date();
        await this.experiments.update(em, current.id, next);
        await this.experiments.upsertTags(em, current.id, Object.fromEntries(changedTags));
        await this.outbox.add(em, {
          subject: EXPERIMENT_UPDATED,
          actor: caller.actor,
          correlationId: caller.requestId,
          aggregate: { type: 'experiment', id: current.id },
          payload: { id: current.id, name: next.name, changed },
          before,
          after,
        });
        return toExperimentResponse(next);
      });
    } catch (e) {
      if (isUniqueViolation(e, 'experiments_name_key')) throw new ExperimentNameTaken(cmd.name ?? ref);
      throw e;
    }
  }
}

@Injectable()
export class ExperimentLifecycleUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly experiments: ExperimentsRepository,
    private readonly outbox: Outbox,
  ) {}

  /** Soft delete or restore. Runs keep their own lifecycle; a deleted experiment's runs drop out of listings by experiment. */
  async execute(ref: string, stage: LifecycleStage, caller: Caller): Promise<ExperimentResponse> {
    return this.tx.run(async (em) => {
      const current = await this.experiments.findByRef(em, ref, 'update');
      if (!current) throw new ExperimentNotFound(ref);
      if (current.lifecycle_stage === stage) return toExperimentResponse(current);
      const next = { ...current, lifecycle_stage: stage, updated_at: new Date() };
      await this.experiments.update(em, current.id, next);
      await this.outbox.add(em, {
        subject: stage === 'deleted' ? EXPERIMENT_DELETED : EXPERIMENT_RESTORED,
        actor: caller.actor,
        correlationId: caller.requestId,
        aggregate: { type: 'experiment', id: current.id },
        payload: { id: current.id, name: current.name },
        before: { lifecycleStage: current.lifecycle_stage },
        after: { lifecycleStage: stage },
      });
      return toExperimentResponse(next);
    });
  }
}
