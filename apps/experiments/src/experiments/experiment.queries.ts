import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DEFAULT_PAGE_SIZE, ExperimentPageResponse, ExperimentResponse, ViewType } from '@shipyard/contracts';
import { decodeIdCursor, encodeCursor } from '@shipyard/persistence';
import { CommandInvalid, ExperimentNotFound, InvalidCursor } from '../common/errors';
import { toExperimentResponse } from './experiment.mapper';
import { ExperimentsRepository } from './experiments.repository';

export interface ListExperimentsCommand {
  namePrefix?: string;
  view?: ViewType;
  /** `<key>:<value>` each; the value follows the last ':' since keys may contain ':' themselves. */
  minMetric?: string[];
  /** The seed's shorthand for minMetric accuracy:<value>. */
  minAccuracy?: number;
  limit?: number;
  cursor?: string;
}

export function parseMinMetric(spec: string): { key: string; min: number } | null {
  const i = spec.lastIndexOf(':');
  if (i <= 0) return null;
  const key = spec.slice(0, i);
  const min = Number(spec.slice(i + 1));
  return key && spec.slice(i + 1).trim() !== '' && Number.isFinite(min) ? { key, min } : null;
}

@Injectable()
export class ExperimentQueries {
  constructor(
    private readonly ds: DataSource,
    private readonly experiments: ExperimentsRepository,
  ) {}

  async get(ref: string): Promise<ExperimentResponse> {
    const found = await this.experiments.findByRef(this.ds.manager, ref);
    if (!found) throw new ExperimentNotFound(ref);
    return toExperimentResponse(found);
  }

  async list(q: ListExperimentsCommand): Promise<ExperimentPageResponse> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const beforeId = decodeIdCursor(q.cursor, () => new InvalidCursor());
    const minMetrics = (q.minMetric ?? []).map((spec, i) => {
      const parsed = parseMinMetric(spec);
      if (!parsed) throw new CommandInvalid([{ field: `min_metric[${i}]`, problems: ['must look like <key>:<number>, e.g. accuracy:0.9'] }]);
      return parsed;
    });
    if (q.minAccuracy !== undefined) minMetrics.push({ key: 'accuracy', min: q.minAccuracy });
    const found = await this.experiments.list(this.ds.manager, { namePrefix: q.namePrefix, view: q.view ?? 'active', minMetrics, beforeId, limit: limit + 1 });
    const page = found.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toExperimentResponse), nextCursor: found.length > limit && last ? encodeCursor([last.id]) : null };
  }
}
