import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { LogBatchResponse, RUN_DATA_LOGGED } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { Caller } from '../common/caller';
import { ParamImmutable, RunDeleted, RunNotFound } from '../common/errors';
import { isUniqueViolation } from '../common/sql';
import { RunRow, RunsRepository } from '../runs/runs.repository';
import { LogBatchCommand, ValidBatch, validateBatch } from './batch-validation';
import { METRIC_POINT_KEY, RunDataRepository } from './run-data.repository';

/**
 * Runs a transaction that logs a batch, and again skipping logged points when it met a metric point already
 * logged (a retried batch) or repeated in this one.
 */
async function skippingLoggedMetricsOnRepeat<T>(write: (skipLoggedMetrics: boolean) => Promise<T>): Promise<T> {
  try {
    return await write(false);
  } catch (e) {
    if (!isUniqueViolation(e, METRIC_POINT_KEY)) throw e;
    return write(true);
  }
}

/** Writes a validated batch, in multi-row statements, and its one event with counts; inside its caller's transaction. */
@Injectable()
export class RunDataWriter {
  constructor(
    private readonly data: RunDataRepository,
    private readonly outbox: Outbox,
  ) {}

  /** `run` was read in `em`'s transaction FOR SHARE or FOR UPDATE, so a delete waits for this write. */
  async write(em: EntityManager, run: RunRow, batch: ValidBatch, caller: Caller, skipLoggedMetrics: boolean): Promise<LogBatchResponse> {
    if (run.lifecycle_stage !== 'active') throw new RunDeleted(run.id);
    const counts = { metrics: batch.metrics.keys.length, params: batch.params.size, tags: Object.keys(batch.tags).length };
    const conflicts = await this.data.insertParams(em, run.id, batch.params);
    if (conflicts.length) throw new ParamImmutable(conflicts);
    await this.data.insertMetrics(em, run.id, batch.metrics, skipLoggedMetrics);
    await this.data.upsertTags(em, run.id, batch.tags);
    await this.outbox.add(em, {
      subject: RUN_DATA_LOGGED,
      actor: caller.actor,
      correlationId: caller.requestId,
      aggregate: { type: 'run', id: run.id },
      payload: {
        id: run.id,
        experimentId: run.experiment_id,
        ...counts,
        metricKeys: new Set(batch.metrics.keys).size,
        paramKeys: [...batch.params.keys()],
        tagKeys: Object.keys(batch.tags),
      },
    });
    return { runId: run.id, ...counts };
  }
}

/**
 * Every way of logging (one param, one metric, one tag, a batch) goes through here: validate it all,
 * then one transaction of multi-row statements and one event with counts.
 */
@Injectable()
export class LogBatchUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly runs: RunsRepository,
    private readonly writer: RunDataWriter,
  ) {}

  async execute(runId: string, cmd: LogBatchCommand, caller: Caller): Promise<LogBatchResponse> {
    return this.write(runId, validateBatch(cmd), caller);
  }

  /**
   * A validated batch in one transaction (run again, skipping logged metric points, when it repeats one).
   * `then` writes more in the same transaction, after the batch; the run is then read FOR UPDATE, so such
   * writes to one run queue. Without it FOR SHARE: concurrent batches to one run proceed together. Either
   * way a delete waits for them.
   */
  async write(runId: string, batch: ValidBatch, caller: Caller, then?: (em: EntityManager, run: RunRow) => Promise<unknown>): Promise<LogBatchResponse> {
    return skippingLoggedMetricsOnRepeat((skipLoggedMetrics) =>
      this.tx.run(async (em) => {
        const run = await this.runs.find(em, runId, then ? 'update' : 'share');
        if (!run) throw new RunNotFound(runId);
        const logged = await this.writer.write(em, run, batch, caller, skipLoggedMetrics);
        await then?.(em, run);
        return logged;
      }),
    );
  }
}
