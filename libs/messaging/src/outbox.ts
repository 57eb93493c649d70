import { randomUUID } from 'node:crypto';
import type { EntityManager } from 'typeorm';
import { Actor, EventEnvelope, parseSubject, validateEnvelope } from '@shipyard/contracts';

/** What a use case states about a change; the outbox turns it into a full envelope. */
export interface EventDraft<P extends object = Record<string, unknown>> {
  subject: string;
  actor: Actor;
  correlationId: string;
  aggregate: { type: string; id: string };
  payload: P;
  before?: object;
  after?: object;
}

export class InvalidEventError extends Error {
  constructor(subject: string, reason: string) {
    super(`event ${subject} is invalid: ${reason}`);
    this.name = 'InvalidEventError';
  }
}

/** JSON round trip: Dates become RFC 3339 strings, undefined fields vanish, exactly as consumers will see them. */
function plain(value: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
}

/** Builds and validates the envelope (CONVENTIONS §3). An invalid event is a programming error, never published. */
export function buildEnvelope(draft: EventDraft<object>, now: Date = new Date(), id: string = randomUUID()): EventEnvelope {
  const parsed = parseSubject(draft.subject);
  const candidate = {
    id,
    type: draft.subject,
    version: parsed?.version ?? 0,
    occurredAt: now.toISOString(),
    actor: draft.actor,
    correlationId: draft.correlationId,
    aggregate: draft.aggregate,
    payload: plain(draft.payload),
    ...(draft.before !== undefined ? { before: plain(draft.before) } : {}),
    ...(draft.after !== undefined ? { after: plain(draft.after) } : {}),
  };
  const result = validateEnvelope(candidate);
  if (!result.ok) throw new InvalidEventError(draft.subject, result.reason);
  return result.envelope;
}

/**
 * Records an event in the same transaction as the rows it describes. Services depend on this
 * abstraction only, so an embedded mode can swap the storage underneath.
 */
export abstract class Outbox {
  abstract add(em: EntityManager, draft: EventDraft<object>): Promise<EventEnvelope>;
}

export class PgOutbox extends Outbox {
  constructor(private readonly schema: string) {
    super();
  }

  async add(em: EntityManager, draft: EventDraft<object>): Promise<EventEnvelope> {
    const envelope = buildEnvelope(draft);
    await em.query(`INSERT INTO "${this.schema}".outbox (id, subject, envelope) VALUES ($1, $2, $3)`, [
      envelope.id,
      envelope.type,
      JSON.stringify(envelope),
    ]);
    return envelope;
  }
}

/** The DDL every service's first migration runs for its outbox (schema-qualified, NOTIFY on insert). */
export function outboxTableSql(schema: string): string[] {
  const channel = outboxChannel(schema);
  return [
    `CREATE TABLE "${schema}".outbox (
      seq bigserial PRIMARY KEY,
      id uuid NOT NULL UNIQUE,
      subject text NOT NULL,
      envelope jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz
    )`,
    `CREATE INDEX outbox_pending_idx ON "${schema}".outbox (seq) WHERE published_at IS NULL`,
    `CREATE INDEX outbox_published_idx ON "${schema}".outbox (published_at) WHERE published_at IS NOT NULL`,
    `CREATE FUNCTION "${schema}".outbox_notify() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN PERFORM pg_notify('${channel}', ''); RETURN NULL; END $$`,
    `CREATE TRIGGER outbox_notify AFTER INSERT ON "${schema}".outbox FOR EACH STATEMENT EXECUTE FUNCTION "${schema}".outbox_notify()`,
  ];
}

export function outboxChannel(schema: string): string {
  return `shipyard_outbox_${schema}`;
}
