import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditEventPageResponse, AuditEventResponse, AuditEventsQuery, DEFAULT_PAGE_SIZE, ErrorKind } from '@shipyard/contracts';
import { decodeCursor, encodeCursor, InvalidCursorError } from '@shipyard/persistence';
import { DomainError } from '@shipyard/service-kit';
import { filterConditions, SqlConditions } from './event-filter';
import { EVENT_COLUMNS, EventRow, rowToResponse } from './event-row';
import { fieldDiff } from './field-diff';

@Injectable()
export class AuditEventsQueryService {
  constructor(private readonly ds: DataSource) {}

  /** Oldest first, by chain position; the cursor is the last seq seen. */
  async list(q: AuditEventsQuery): Promise<AuditEventPageResponse> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const conditions = new SqlConditions();
    if (q.cursor) conditions.add('seq > ?', afterSeq(q.cursor));
    filterConditions(q, conditions);
    const rows = await this.ds.query<EventRow[]>(
      `SELECT ${EVENT_COLUMNS} FROM audit.events ${conditions.where()} ORDER BY seq LIMIT ${conditions.param(limit + 1)}`,
      conditions.params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    const items = page.map((r): AuditEventResponse => (q.include === 'diff' ? { ...rowToResponse(r), diff: fieldDiff(r.before, r.after) } : rowToResponse(r)));
    return { items, nextCursor: rows.length > limit && last ? encodeCursor([Number(last.seq)]) : null };
  }
}

function afterSeq(cursor: string): number {
  try {
    const v = decodeCursor(cursor, 1)[0];
    if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  } catch (e) {
    if (!(e instanceof InvalidCursorError)) throw e;
  }
  throw new DomainError('INVALID_CURSOR', ErrorKind.InvalidInput, 'cursor is not one this server issued');
}
