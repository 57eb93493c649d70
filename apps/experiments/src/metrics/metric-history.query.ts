import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { MetricHistoryResponse } from '@shipyard/contracts';
import { decodeCursor, encodeCursor, InvalidCursorError } from '@shipyard/persistence';
import { InvalidCursor, RunNotFound } from '../common/errors';
import { RunsRepository } from '../runs/runs.repository';
import { RunDataRepository } from './run-data.repository';

export interface MetricHistoryCommand {
  key: string;
  minStep?: number;
  maxStep?: number;
  limit?: number;
  cursor?: string;
}

@Injectable()
export class MetricHistoryQuery {
  constructor(
    private readonly ds: DataSource,
    private readonly runs: RunsRepository,
    private readonly data: RunDataRepository,
  ) {}

  /** Points of one metric in step order (then timestamp, then logging order), optionally within [minStep, maxStep]. */
  async execute(runId: string, q: MetricHistoryCommand): Promise<MetricHistoryResponse> {
    const run = await this.runs.find(this.ds.manager, runId);
    if (!run) throw new RunNotFound(runId);
    const limit = q.limit ?? 1000;
    let after: [number, number, number] | undefined;
    if (q.cursor) {
      try {
        const c = decodeCursor(q.cursor, 4);
        if (c[0] !== q.key || !c.slice(1).every((v) => typeof v === 'number' && Number.isSafeInteger(v))) throw new InvalidCursorError();
        after = [c[1] as number, c[2] as number, c[3] as number];
      } catch (e) {
        if (e instanceof InvalidCursorError) throw new InvalidCursor();
        throw e;
      }
    }
    const points = await this.data.history(this.ds.manager, run.id, q.key, { minStep: q.minStep, maxStep: q.maxStep, after, limit: limit + 1 });
    const page = points.slice(0, limit);
    const last = page[page.length - 1];
    return {
      key: q.key,
      items: page.map((p) => ({ value: p.value, timestamp: p.timestamp, step: p.step })),
      nextCursor: points.length > limit && last ? encodeCursor([q.key, last.step, last.timestamp, last.seq]) : null,
    };
  }
}
