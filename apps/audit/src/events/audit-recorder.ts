import { Inject, Injectable, Optional } from '@nestjs/common';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { decodeEnvelope, EventEnvelope, parseSubject } from '@shipyard/contracts';
import { ConsumedMessage } from '@shipyard/messaging';
import { ChainHead, crossesAnchor, lockChain, readHead, writeAnchor } from '../chain/chain-store';
import { RECORDER_OPTIONS } from '../tokens';
import { ChainedContent, chainHash, GENESIS_HASH } from './hash-chain';

/** Columns of audit.events, in insert order. */
const COLUMNS = 16;

export interface RecorderOptions {
  /** An anchor is written whenever a batch takes the chain past a multiple of this many events. */
  anchorEvery: number;
  /** The clock recorded_at comes from (tests move it across months). */
  now: () => Date;
}

export const DEFAULT_RECORDER_OPTIONS: RecorderOptions = { anchorEvery: 1000, now: () => new Date() };

export interface RecordOutcome {
  recorded: number;
  duplicates: number;
  deadLettered: number;
  /** occurredAt (epoch ms) of each event recorded now, for the lag histogram. */
  occurredAt: number[];
  /** The chain head after this batch, when it recorded anything. */
  head: ChainHead | null;
  /** Whether the batch crossed a multiple of anchorEvery and wrote an anchor. */
  anchored: boolean;
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
  private readonly opts: RecorderOptions;

  constructor(
    private readonly ds: DataSource,
    @Optional() @Inject(RECORDER_OPTIONS) opts?: Partial<RecorderOptions>,
  ) {
    this.opts = { ...DEFAULT_RECORDER_OPTIONS, ...opts };
  }

  /**
   * Records a batch; when PostgreSQL refuses its data (SQLSTATE class 22, e.g. a NUL in a JSON string),
   * the batch is split so the one poisonous message ends in dead letters instead of blocking the stream.
   * Any other failure (database down) propagates, and the consumer redelivers the batch later.
   */
  async record(batch: ConsumedMessage[]): Promise<RecordOutcome> {
    try {
      return await this.recordWithPartitions(batch);
    } catch (e) {
      if (!isDataError(e)) throw e;
      const [only] = batch;
      if (batch.length === 1 && only) {
        await this.ds.transaction((em) => this.deadLetter(em, [{ message: only, reason: `refused by the database: ${(e as Error).message}` }]));
        return { recorded: 0, duplicates: 0, deadLettered: 1, occurredAt: [], head: null, anchored: false };
      }
      const total: RecordOutcome = { recorded: 0, duplicates: 0, deadLettered: 0, occurredAt: [], head: null, anchored: false };
      for (const message of batch) {
        const one = await this.record([message]);
        total.recorded += one.recorded;
        total.duplicates += one.duplicates;
        total.deadLettered += one.deadLettered;
        total.occurredAt.push(...one.occurredAt);
        total.head = one.head ?? total.head;
        total.anchored ||= one.anchored;
      }
      return total;
    }
  }

  /** The partition upkeep job keeps months ready ahead; should it have fallen behind, make this month now. */
  private async recordWithPartitions(batch: ConsumedMessage[]): Promise<RecordOutcome> {
    try {
      return await this.recordBatch(batch);
    } catch (e) {
      if (!isMissingPartition(e)) throw e;
      await this.ds.query('SELECT audit.ensure_partitions(1, $1)', [this.opts.now().toISOString()]);
      return this.recordBatch(batch);
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
      await lockChain(em);
      const fresh = await this.withoutRecorded(em, valid);
      const appended = fresh.length > 0 ? await this.append(em, fresh) : null;
      if (dead.length > 0) await this.deadLetter(em, dead);
      return {
        recorded: fresh.length,
        duplicates: valid.length - fresh.length,
        deadLettered: dead.length,
        occurredAt: fresh.map((e) => Date.parse(e.occurredAt)),
        head: appended?.head ?? null,
        anchored: appended?.anchored ?? false,
      };
    });
  }

  private async withoutRecorded(em: EntityManager, envelopes: EventEnvelope[]): Promise<EventEnvelope[]> {
    if (envelopes.length === 0) return [];
    const rows = await em.query<Array<{ event_id: string }>>('SELECT event_id FROM audit.event_ids WHERE event_id = ANY($1::uuid[])', [envelopes.map((e) => e.id)]);
    const seen = new Set(rows.map((r) => r.event_id));
    return envelopes.filter((e) => {
      if (seen.has(e.id)) return false;
      seen.add(e.id); // the same event twice in one batch
      return true;
    });
  }

  /**
   * Appends after the current head. Column arrays through unnest keep the statement the same size
   * whatever the batch (no 65,535-parameter limit) and PostgreSQL plans it once.
   */
  private async append(em: EntityManager, envelopes: EventEnvelope[]): Promise<{ head: ChainHead; anchored: boolean }> {
    const head = await readHead(em);
    const start = head?.seq ?? 0;
    let seq = start;
    let prev = head?.hash ?? GENESIS_HASH;
    const recordedAt = this.opts.now().toISOString();
    const cols: unknown[][] = Array.from({ length: COLUMNS }, () => []);
    for (const e of envelopes) {
      seq++;
      const content = toChainedContent(e, seq, recordedAt);
      const hash = chainHash(prev, content);
      const values = [
        seq, content.eventId, content.subject, content.action, content.actor.type, content.actor.id, content.aggregate.type, content.aggregate.id,
        JSON.stringify(content.payload), content.before === null ? null : JSON.stringify(content.before), content.after === null ? null : JSON.stringify(content.after),
        content.correlationId, content.occurredAt, content.recordedAt, prev, hash,
      ];
      values.forEach((v, i) => cols[i]?.push(v));
      prev = hash;
    }
    await em.query(
      `INSERT INTO audit.events (seq, event_id, subject, action, actor_type, actor_id, aggregate_type, aggregate_id, payload, before, after,
         correlation_id, occurred_at, recorded_at, prev_hash, hash)
       SELECT * FROM unnest($1::bigint[], $2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::jsonb[], $10::jsonb[],
         $11::jsonb[], $12::text[], $13::timestamptz[], $14::timestamptz[], $15::bytea[], $16::bytea[])`,
      cols,
    );
    await em.query('INSERT INTO audit.event_ids (event_id, seq) SELECT * FROM unnest($1::uuid[], $2::bigint[])', [cols[1], cols[0]]);
    const newHead = { seq, hash: prev };
    const anchored = crossesAnchor(start, seq, this.opts.anchorEvery);
    if (anchored) await writeAnchor(em, newHead, 'count');
    return { head: newHead, anchored };
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

function sqlState(e: unknown): string | undefined {
  const code = e instanceof QueryFailedError ? (e.driverError as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

function isDataError(e: unknown): boolean {
  return sqlState(e)?.startsWith('22') === true;
}

function isMissingPartition(e: unknown): boolean {
  return sqlState(e) === '23514' && /no partition of relation/.test((e as Error).message);
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
