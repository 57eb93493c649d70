import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditEventPageResponse, AuditEventResponse, AuditEventsQuery, DEFAULT_PAGE_SIZE, ErrorKind } from '@shipyard/contracts';
import { decodeCursor, encodeCursor, InvalidCursorError } from '@shipyard/persistence';
import { DomainError } from '@shipyard/service-kit';

interface EventRow {
  seq: string;
  event_id: string;
  subject: string;
  action: string;
  actor_type: string;
  actor_id: string;
  aggregate_type: string;
  aggregate_id: string;
  payload: Record<string, unknown>;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  correlation_id: string;
  occurred_at: Date;
  recorded_at: Date;
  hash: Buffer;
}

/** NATS subject wildcards to an anchored regex: `*` is exactly one token, `>` one or more tokens. */
export function subjectToRegex(subject: string): string {
  const tokens = subject.split('.').map((t) => (t === '*' ? '[^.]+' : t === '>' ? '.+' : t.replace(/[.*+?^${}()|[\]\\-]/g, (c) => `\\${c}`)));
  return `^${tokens.join('\\.')}$`;
}

@Injectable()
export class AuditEventsQueryService {
  constructor(private readonly ds: DataSource) {}

  /** Oldest first, by chain position; the cursor is the last seq seen. */
  async list(q: AuditEventsQuery): Promise<AuditEventPageResponse> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${params.length}`));
    };
    if (q.cursor) add('seq > ?', afterSeq(q.cursor));
    if (q.aggregateId) add('aggregate_id = ?', q.aggregateId);
    if (q.aggregateType) add('aggregate_type = ?', q.aggregateType);
    if (q.subject) {
      if (/[*>]/.test(q.subject)) add('subject ~ ?', subjectToRegex(q.subject));
      else add('subject = ?', q.subject);
    }
    if (q.actor) {
      const i = q.actor.indexOf(':');
      add('actor_type = ?', q.actor.slice(0, i));
      add('actor_id = ?', q.actor.slice(i + 1));
    }
    if (q.correlationId) add('correlation_id = ?', q.correlationId);
    if (q.from) add('occurred_at >= ?', q.from);
    if (q.to) add('occurred_at < ?', q.to);
    params.push(limit + 1);
    const rows = await this.ds.query<EventRow[]>(
      `SELECT seq, event_id, subject, action, actor_type, actor_id, aggregate_type, aggregate_id, payload, before, after,
              correlation_id, occurred_at, recorded_at, hash
         FROM audit.events ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY seq LIMIT $${params.length}`,
      params,
    );
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toResponse), nextCursor: rows.length > limit && last ? encodeCursor([Number(last.seq)]) : null };
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

function toResponse(r: EventRow): AuditEventResponse {
  return {
    seq: Number(r.seq),
    eventId: r.event_id,
    subject: r.subject,
    action: r.action,
    actor: { type: r.actor_type, id: r.actor_id },
    aggregate: { type: r.aggregate_type, id: r.aggregate_id },
    payload: r.payload,
    before: r.before,
    after: r.after,
    correlationId: r.correlation_id,
    occurredAt: r.occurred_at.toISOString(),
    recordedAt: r.recorded_at.toISOString(),
    hash: r.hash.toString('hex'),
  };
}
