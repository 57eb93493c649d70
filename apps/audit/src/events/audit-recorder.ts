import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { decodeEnvelope, EventEnvelope, parseSubject } from '@shipyard/contracts';
import { ConsumedMessage } from '@shipyard/messaging';
import { ChainedContent, chainHash, GENESIS_HASH } from './hash-chain';

/** One lock id for the single chain: whoever holds it is the only writer of seq and hash. */
const CHAIN_LOCK = 0x5348_4950; // "SHIP"
const COLUMNS = 16;

export interface RecordOutcome {
  recorded: number;
  duplicates: number;
  deadLettered: number;
  /** occurredAt (epoch ms) of each event recorded now, for the lag histogram. */
  occurredAt: number[];
}

interface DeadLetter {
  message: ConsumedMessage;
  reason: string;
}

/**
 * Appends consumed events to audit.events. A whole batch is one transaction under an advisory lock,
 * which makes seq gap-free and the hash chain linear even with several replicas consuming. Events
 * already recorded (redelivery) are skipped by event_id, so the outcome is idempotent.
 */
@Injectable()
export class AuditRecorder {
  constructor(private readonly ds: DataSource) {}

  /**
   * Records a batch; when PostgreSQL refuses its data (SQLSTATE class 22, e.g. a NUL in a JSON string),
   * the batch is split so the one poisonous message ends in dead letters instead of blocking the stream.
   * Any other failure (database down) propagates, and the consumer redelivers the batch later.
   */
  async record(batch: ConsumedMessage[]): Promise<RecordOutcome> {
    try {
      return await this.recordBatch(batch);
    } catch (e) {
      if (!isDataError(e)) throw e;
      const [only] = batch;
      if (batch.length === 1 && only) {
        await this.ds.transaction((em) => this.deadLetter(em, [{ message: only, reason: `refused by the database: ${(e as Error).message}` }]));
        return { recorded: 0, duplicates: 0, deadLettered: 1, occurredAt: [] };
      }
      const total: RecordOutcome = { recorded: 0, duplicates: 0, deadLettered: 0, occurredAt: [] };
      for (const message of batch) {
        const one = await this.record([message]);
        total.recorded += one.recorded;
        total.duplicates += one.duplicates;
        total.deadLettered += one.deadLettered;
        total.occurredAt.push(...one.occurredAt);
      }
      return total;
    }
  }

  private async recordBatch(batch: ConsumedMessage[]): Promise<RecordOutcome> {
    const valid: EventEnvelope[] = [];
    const dead: DeadLetter[] = [];
    for (const message of batch) {
      const decoded = decodeEnvelope(message.data);
      if (!decoded.ok) dead.push({ message, reason: decoded.reason });
      else if (decoded.envelope.type !== message.subject) dead.push({ message, reason: `envelope type ${decoded.envelope.type} does not match subject ${message.subject}` });
      else valid.push(decoded.envelope);
    }
    return this.ds.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
      const fresh = await this.withoutRecorded(em, valid);
      if (fresh.length > 0) await this.append(em, fresh);
      if (dead.length > 0) await this.deadLetter(em, dead);
      return { recorded: fresh.length, duplicates: valid.length - fresh.length, deadLettered: dead.length, occurredAt: fresh.map((e) => Date.parse(e.occurredAt)) };
    });
  }

  private async withoutRecorded(em: EntityManager, envelopes: EventEnvelope[]): Promise<EventEnvelope[]> {
    if (envelopes.length === 0) return [];
    const rows = await em.query<Array<{ event_id: string }>>('SELECT event_id FROM audit.events WHERE event_id = ANY($1::uuid[])', [envelopes.map((e) => e.id)]);
    const seen = new Set(rows.map((r) => r.event_id));
    return envelopes.filter((e) => {
      if (seen.has(e.id)) return false;
      seen.add(e.id); // the same event twice in one batch
      return true;
    });
  }

  private async append(em: EntityManager, envelopes: EventEnvelope[]): Promise<void> {
    const head = await em.query<Array<{ seq: string; hash: Buffer }>>('SELECT seq, hash FROM audit.events ORDER BY seq DESC LIMIT 1');
    let seq = head[0] ? Number(head[0].seq) : 0;
    let prev = head[0]?.hash ?? GENESIS_HASH;
    const recordedAt = new Date().toISOString();
    const params: unknown[] = [];
    const tuples: string[] = [];
    for (const e of envelopes) {
      seq++;
      const content = toChainedContent(e, seq, recordedAt);
      const hash = chainHash(prev, content);
      const base = params.length;
      tuples.push(`(${Array.from({ length: COLUMNS }, (_, i) => `$${base + i + 1}`).join(',')})`);
      params.push(
        seq, content.eventId, content.subject, content.action, content.actor.type, content.actor.id, content.aggregate.type, content.aggregate.id,
        JSON.stringify(content.payload), content.before === null ? null : JSON.stringify(content.before), content.after === null ? null : JSON.stringify(content.after),
        content.correlationId, content.occurredAt, content.recordedAt, prev, hash,
      );
      prev = hash;
    }
    await em.query(
      `INSERT INTO audit.events (seq, event_id, subject, action, actor_type, actor_id, aggregate_type, aggregate_id, payload, before, after,
         correlation_id, occurred_at, recorded_at, prev_hash, hash) VALUES ${tuples.join(',')}`,
      params,
    );
  }

  private async deadLetter(em: EntityManager, dead: DeadLetter[]): Promise<void> {
    for (const d of dead) {
      await em.query(
        `INSERT INTO audit.dead_letters (subject, stream_seq, headers, raw, reason) VALUES ($1, $2, $3, $4, $5)`,
        [d.message.subject, d.message.streamSeq, JSON.stringify(Object.fromEntries(Object.entries(d.message.headers).map(([k, v]) => [withoutNul(k), withoutNul(v)]))), Buffer.from(d.message.data), withoutNul(d.reason)],
      );
    }
  }
}

/** PostgreSQL text and jsonb cannot hold U+0000; dead letters keep the exact bytes in `raw` anyway. */
function withoutNul(s: string): string {
  return s.replace(/\u0000/g, '\\0');
}

function isDataError(e: unknown): boolean {
  const code = e instanceof QueryFailedError ? (e.driverError as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('22');
}

export function toChainedContent(e: EventEnvelope, seq: number, recordedAt: string): ChainedContent {
  const parts = parseSubject(e.type);
  return {
    seq,
    eventId: e.id,
    subject: e.type,
    action: parts ? `${parts.aggregate}.${parts.verb}` : e.type,
    actor: { type: e.actor.type, id: e.actor.id },
    aggregate: { type: e.aggregate.type, id: e.aggregate.id },
    payload: e.payload,
    before: e.before ?? null,
    after: e.after ?? null,
    correlationId: e.correlationId,
    occurredAt: new Date(e.occurredAt).toISOString(),
    recordedAt,
  };
}
