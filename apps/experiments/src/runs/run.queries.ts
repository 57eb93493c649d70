import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CompareMetricRow, CompareParamRow, CompareRunsResponse, RunResponse } from '@shipyard/contracts';
import { RunNotFound } from '../common/errors';
import { durationMs, toRunResponse } from './run.mapper';
import { RunDetail, RunsRepository } from './runs.repository';

function sideBySide(runs: RunDetail[], pick: (r: RunDetail) => Record<string, string>): CompareParamRow[] {
  const keys = [...new Set(runs.flatMap((r) => Object.keys(pick(r))))].sort();
  return keys.map((key) => {
    const values = runs.map((r) => pick(r)[key] ?? null);
    return { key, values, differs: new Set(values).size > 1 };
  });
}

@Injectable()
export class RunQueries {
  constructor(
    private readonly ds: DataSource,
    private readonly runs: RunsRepository,
  ) {}

  async get(id: string): Promise<RunResponse> {
    const run = await this.runs.find(this.ds.manager, id);
    if (!run) throw new RunNotFound(id);
    const [detail] = await this.runs.details(this.ds.manager, [run]);
    return toRunResponse(detail as RunDetail);
  }

  /** Runs as columns (in the order asked), params, latest metrics and tags as rows. */
  async compare(runIds: string[]): Promise<CompareRunsResponse> {
    const ids = [...new Set(runIds.map((id) => id.toLowerCase()))];
    const found = await this.runs.findMany(this.ds.manager, ids);
    const missing = ids.find((id) => !found.some((r) => r.id === id));
    if (missing) throw new RunNotFound(missing);
    const byId = new Map((await this.runs.details(this.ds.manager, found)).map((r) => [r.id, r]));
    const runs = ids.map((id) => byId.get(id)).filter((r): r is RunDetail => r !== undefined);
    const metricKeys = [...new Set(runs.flatMap((r) => r.metrics.map((m) => m.key)))].sort();
    const metrics: CompareMetricRow[] = metricKeys.map((key) => {
      const values = runs.map((r) => r.metrics.find((m) => m.key === key)?.value ?? null);
      const present = values.filter((v): v is number => v !== null);
      return { key, values, min: present.length ? Math.min(...present) : null, max: present.length ? Math.max(...present) : null };
    });
    return {
      runs: runs.map((r) => ({ id: r.id, experimentId: r.experiment_id, name: r.name, status: r.status, startTime: r.start_time.toISOString(), durationMs: durationMs(r) })),
      params: sideBySide(runs, (r) => r.params),
      metrics,
      tags: sideBySide(runs, (r) => r.tags),
    };
  }
}
