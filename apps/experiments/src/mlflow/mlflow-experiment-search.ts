import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { ExperimentResponse, ViewType } from '@shipyard/contracts';
import { encodeOffsetToken, epochMillisSql, MlflowComparison, MlflowFilterGrammar, MlflowOrderBy, mlflowSqlCondition, parseMlflowFilter, parseMlflowOrderBy } from '@shipyard/service-kit';
import { toExperimentResponse } from '../experiments/experiment.mapper';
import { ExperimentRow, ExperimentsRepository } from '../experiments/experiments.repository';

/** MLflow's SearchExperiments grammar: name (string), creation_time and last_update_time (epoch ms), tags.<key>. */
export const EXPERIMENT_FILTER: MlflowFilterGrammar = { what: 'experiments', attributes: { name: 'string', creation_time: 'numeric', last_update_time: 'numeric' }, tags: true };
const ORDER_KEYS = ['name', 'experiment_id', 'creation_time', 'last_update_time'];

const COLUMN: Readonly<Record<string, string>> = {
  name: 'e.name',
  experiment_id: 'e.id',
  creation_time: epochMillisSql('e.created_at'),
  last_update_time: epochMillisSql('e.updated_at'),
};

export interface ExperimentSearch {
  filter?: string;
  orderBy: string[];
  view: ViewType;
  limit: number;
  offset: number;
}

/**
 * experiments/search in MLflow's terms: the filter and order_by compiled to SQL over experiments.experiments
 * and experiment_tags (placeholders only), paged by offset as MLflow's own stores do.
 */
@Injectable()
export class MlflowExperimentSearch {
  constructor(
    private readonly ds: DataSource,
    private readonly experiments: ExperimentsRepository,
  ) {}

  /** Parses first, so a malformed filter or order_by is refused before any query. */
  static parse(filter: string | undefined, orderBy: string[]): { where: MlflowComparison[]; order: MlflowOrderBy[] } {
    const where = parseMlflowFilter(filter, EXPERIMENT_FILTER);
    const order = parseMlflowOrderBy(orderBy, 'experiments', ORDER_KEYS);
    // MLflow's default (creation_time DESC) and its tie-breaker (experiment_id).
    if (order.length === 0) order.push({ key: 'creation_time', ascending: false });
    if (!order.some((o) => o.key === 'experiment_id')) order.push({ key: 'experiment_id', ascending: true });
    return { where, order };
  }

  async search(q: ExperimentSearch): Promise<{ items: ExperimentResponse[]; nextPageToken: string | null }> {
    const { where, order } = MlflowExperimentSearch.parse(q.filter, q.orderBy);
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    const conditions = q.view === 'all' ? [] : [`e.lifecycle_stage = ${p(q.view)}`];
    for (const c of where) {
      if (c.type === 'tag') {
        conditions.push(`EXISTS (SELECT 1 FROM experiments.experiment_tags t WHERE t.experiment_id = e.id AND t.key = ${p(c.key)} AND ${mlflowSqlCondition('t.value', c, p)})`);
      } else {
        conditions.push(mlflowSqlCondition(COLUMN[c.key] as string, c, p));
      }
    }
    const orderSql = order.map((o) => `${COLUMN[o.key] as string} ${o.ascending ? 'ASC' : 'DESC'}`).join(', ');
    const sql = `SELECT e.id, e.name, e.description, e.artifact_location, e.lifecycle_stage, e.owner_id, e.created_at, e.updated_at
      FROM experiments.experiments e ${conditions.length ? `WHERE ${conditions.join(' AND ')}` : ''}
      ORDER BY ${orderSql} OFFSET ${p(q.offset)} LIMIT ${p(q.limit + 1)}`;
    const found = await this.ds.query<ExperimentRow[]>(sql, params);
    const page = found.slice(0, q.limit);
    const tags = await this.experiments.tagsOf(this.ds.manager, page.map((r) => r.id));
    return {
      items: page.map((r) => toExperimentResponse({ ...r, tags: tags.get(r.id) ?? {} })),
      nextPageToken: found.length > q.limit ? encodeOffsetToken(q.offset + q.limit) : null,
    };
  }
}
