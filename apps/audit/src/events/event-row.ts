import { AuditEventResponse } from '@shipyard/contracts';
import { ChainedContent } from './hash-chain';

/** A row of audit.events as the pg driver returns it (bigint as string, jsonb parsed, bytea as Buffer). */
export interface EventRow {
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
  prev_hash: Buffer;
  hash: Buffer;
}

export const EVENT_COLUMNS = `seq, event_id, subject, action, actor_type, actor_id, aggregate_type, aggregate_id, payload, before, after,
  correlation_id, occurred_at, recorded_at, prev_hash, hash`;

/** What the row's hash covers, rebuilt from the stored columns (the inverse of toChainedContent). */
export function rowToContent(r: EventRow): ChainedContent {
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
  };
}

/** The API shape: the hashed content plus the hash (hex). */
export function rowToResponse(r: EventRow): AuditEventResponse {
  return { ...rowToContent(r), hash: r.hash.toString('hex') };
}
