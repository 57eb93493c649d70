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
    const sql = `SELECT ${RUN_COLUMNS} FROM experiments.runs r ${compiled.joins.join(' ')}
      WHERE ${where.join(' AND ')}
      ORDER BY ${[...compiled.orderBy, 'r.start_time DESC', 'r.id DESC'].join(', ')}
      LIMIT ${params.add(limit + 1)} OFFSET ${params.add(offset)}`;

    const found = await this.ds.transaction(async (em) => {
      await em.query(`SET LOCAL statement_timeout = ${STATEMENT_TIMEOUT_MS}`);
      try {
        return await rows<RunRow>(em, sql, params.values);
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
