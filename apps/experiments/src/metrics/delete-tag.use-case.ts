import { Injectable } from '@nestjs/common';
import { ErrorKind, RUN_TAG_DELETED } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { DomainError } from '@shipyard/service-kit';
import { Caller } from '../common/caller';
import { RunDeleted, RunNotFound } from '../common/errors';
import { RunsRepository } from '../runs/runs.repository';
import { RunDataRepository } from './run-data.repository';

export class TagNotFound extends DomainError {
  constructor(runId: string, key: string) {
    super('TAG_NOT_FOUND', ErrorKind.NotFound, `run ${runId} has no tag "${key}"`);
  }
}

@Injectable()
export class DeleteRunTagUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly runs: RunsRepository,
    private readonly data: RunDataRepository,
    private readonly outbox: Outbox,
  ) {}

  async execute(runId: string, key: string, caller: Caller): Promise<void> {
    await this.tx.run(async (em) => {
      const run = await this.runs.find(em, runId, 'share');
      if (!run) throw new RunNotFound(runId);
      if (run.lifecycle_stage !== 'active') throw new RunDeleted(run.id);
      const removed = await this.data.deleteTag(em, run.id, key);
      if (removed === null) throw new TagNotFound(run.id, key);
      await this.outbox.add(em, {
        subject: RUN_TAG_DELETED,
        actor: caller.actor,
        correlationId: caller.requestId,
        aggregate: { type: 'run', id: run.id },
        payload: { id: run.id, experimentId: run.experiment_id, key },
        before: { tags: { [key]: removed } },
      });
    });
  }
}
