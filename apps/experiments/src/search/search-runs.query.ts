import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { ErrorKind, RunPageResponse, ViewType } from '@shipyard/contracts';
import { decodeCursor, encodeCursor, InvalidCursorError } from '@shipyard/persistence';
import { DomainError } from '@shipyard/service-kit';
import { InvalidCursor, InvalidFilter } from '../common/errors';
import { rows } from '../common/sql';
import { toRunResponse } from '../runs/run.mapper';
import { RUN_COLUMNS, RunRow, RunsRepository } from '../runs/runs.repository';
import { FilterSyntaxError, OrderTerm, ParsedSearch } from './filter.ast';
import { SearchCompiler, SqlParams } from './filter.compiler';
import { parseOrderBy, parseSearch } from './filter.parser';

export interface SearchRunsCommand {
  experimentIds: string[];
  filter?: string;
  /** Entries like "metrics.f1 DESC"; they come after an ORDER BY inside the filter. */
  orderBy?: string[];
  view?: ViewType;
  limit?: number;
  pageToken?: string;
}

export const DEFAULT_SEARCH_PAGE = 100;
const STATEMENT_TIMEOUT_MS = 10_000;

function parseOrFail<T>(field: string, parse: () => T): T {
  try {
    return parse();
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw new InvalidFilter(field, e.message, e.position);
    throw e;
  }
}

/** Page tokens carry an offset and a fingerprint of the query, so a token only continues the search that issued it. */
function fingerprint(cmd: SearchRunsCommand): string {
  const canonical = JSON.stringify([[...cmd.experimentIds].map((s) => s.toLowerCase()).sort(), cmd.filter ?? '', cmd.orderBy ?? [], cmd.view ?? 'active']);
  return createHash('sha256').update(canonical).digest('base64url').slice(0, 16);
}

@Injectable()
export class SearchRunsQuery {
  constructor(
    private readonly ds: DataSource,
    private readonly runs: RunsRepository,
  ) {}

  async execute(cmd: SearchRunsCommand): Promise<RunPageResponse> {
    const filterText = cmd.filter ?? '';
    const parsed: ParsedSearch = parseOrFail('filter', () => parseSearch(filterText));
    const extraOrder: Array<{ text: string; terms: OrderTerm[]; field: string }> = (cmd.orderBy ?? []).map((text, i) => ({ text, field: `orderBy[${i}]`, terms: parseOrFail(`orderBy[${i}]`, () => parseOrderBy(text)) }));
    const limit = cmd.limit ?? DEFAULT_SEARCH_PAGE;
    const offset = this.offsetOf(cmd);

    const params = new SqlParams();
    // One experiment as "=": only then can the (experiment_id, start_time, id) index hand rows over in order and stop at the page.
    const ids = [...new Set(cmd.experimentIds.map((id) => id.toLowerCase()))];
    const where = [ids.length === 1 ? `r.experiment_id = ${params.add(ids[0], '::uuid')}` : `r.experiment_id = ANY(${params.add(ids, '::uuid[]')})`];
    const view = cmd.view ?? 'active';
    if (view !== 'all') where.push(`r.lifecycle_stage = ${params.add(view, '::text')}`);
    const compiler = new SearchCompiler(filterText, params);
    const compiled = parseOrFail('filter', () => compiler.compile(parsed));
    for (const o of extraOrder) parseOrFail(o.field, () => compiler.addOrder(o.terms, o.text));
    if (compiled.where) where.push(compiled.where);
    const leading = compiler.leading();
    const tail = ['r.start_time DESC', 'r.id DESC'];
    const select = (joins: string[], conditions: string[], order: string[], paged: boolean): string =>
      `SELECT ${RUN_COLUMNS} FROM experiments.runs r ${joins.join(' ')}
      WHERE ${conditions.join(' AND ')}${order.length ? `
      ORDER BY ${order.join(', ')}` : ''}${paged ? ` LIMIT $${params.values.length + 1} OFFSET $${params.values.length + 2}` : ''}`;

    const found = await this.ds.transaction(async (em) => {
      // One round trip (SET counts as no query, so the isolation level can still be chosen). REPEATABLE
      // READ: the two steps of a metric ORDER BY see one snapshot. No parallel workers: a search reads one
      // page along an index; starting workers costs more than they save there (far more on a busy server).
      await em.query(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}; SET LOCAL max_parallel_workers_per_gather = 0`);
      const pageOf = (sql: string, n: number, skip: number) => rows<RunRow>(em, sql, [...params.values, n, skip]);
      try {
        if (!leading) return await pageOf(select(compiled.joins, where, [...compiled.orderBy, ...tail], true), limit + 1, offset);
        // Ordered by a metric first: the runs that have it come first in its value order (an inner join
        // the planner can read from the latest_metrics (key, value) index and stop at the page), then
        // the runs without it (NULLS LAST) in the remaining order: the same order as one LEFT JOIN.
        const others = compiled.joins.filter((_, i) => i !== leading.join);
        const metric = `JOIN experiments.latest_metrics ${leading.alias} ON ${leading.alias}.run_id = r.id AND ${leading.alias}.key = ${leading.key}`;
        const rest = [...compiled.orderBy.slice(1), ...tail];
        const first = await pageOf(select([metric, ...others], where, [`${leading.alias}.value ${leading.direction}`, ...rest], true), limit + 1, offset);
        if (first.length > limit) return first;
        // Where the runs without the metric start: right after this page's rows, or, when the offset
        // lies beyond every run with the metric, that many runs past the offset.
        const skip = first.length > 0 || offset === 0 ? 0 : offset - Number((await rows<{ n: string }>(em, `SELECT count(*) AS n FROM (${select([metric, ...others], where, [], false)}) w`, params.values))[0]?.n ?? 0);
        const without = `NOT EXISTS (SELECT 1 FROM experiments.latest_metrics x WHERE x.run_id = r.id AND x.key = ${leading.key})`;
        const second = await pageOf(select(others, [...where, without], rest, true), limit + 1 - first.length, skip);
        return [...first, ...second];
      } catch (e) {
        if (e instanceof QueryFailedError && (e.driverError as { code?: string }).code === '57014') {
          throw new DomainError('SEARCH_TOO_EXPENSIVE', ErrorKind.InvalidInput, `the search ran longer than ${STATEMENT_TIMEOUT_MS / 1000} s; narrow the filter or the experiments`);
        }
        throw e;
      }
    });
    const page = found.slice(0, limit);
    const details = await this.runs.details(this.ds.manager, page);
    return { items: details.map(toRunResponse), nextCursor: found.length > limit ? encodeCursor([offset + limit, fingerprint(cmd)]) : null };
  }

  private offsetOf(cmd: SearchRunsCommand): number {
    if (!cmd.pageToken) return 0;
    try {
      const [offset, print] = decodeCursor(cmd.pageToken, 2);
      if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0 || print !== fingerprint(cmd)) throw new InvalidCursorError();
      return offset;
    } catch (e) {
      if (e instanceof InvalidCursorError) throw new InvalidCursor('pageToken');
      throw e;
    }
  }
}
