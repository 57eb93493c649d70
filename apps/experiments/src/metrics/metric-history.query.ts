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

const isInteger = (v: string | number | undefined): v is number => typeof v === 'number' && Number.isSafeInteger(v);

@Injectable()
export class MetricHistoryQuery {
  constructor(
    private readonly ds: DataSource,
    private readonly runs: RunsRepository,
    private readonly data: RunDataRepository,
  ) {}

  /** Points of one metric in step order (then timestamp, then value; each point once), optionally within [minStep, maxStep]. */
  async execute(runId: string, q: MetricHistoryCommand): Promise<MetricHistoryResponse> {
    const run = await this.runs.find(this.ds.manager, runId);
    if (!run) throw new RunNotFound(runId);
    const limit = q.limit ?? 1000;
    let after: [number, number, number] | undefined;
    if (q.cursor) {
      try {
        const [key, step, timestamp, value] = decodeCursor(q.cursor, 4);
        if (key !== q.key || !isInteger(step) || !isInteger(timestamp) || typeof value !== 'string') throw new InvalidCursorError();
        const v = Number(value);
        if (Number.isNaN(v) && value !== 'NaN') throw new InvalidCursorError();
        after = [step, timestamp, v];
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
      // The value as text: exact (shortest round-trip form), and NaN/±Infinity survive JSON.
      nextCursor: points.length > limit && last ? encodeCursor([q.key, last.step, last.timestamp, String(last.value)]) : null,
    };
  }
}
