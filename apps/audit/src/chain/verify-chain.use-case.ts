import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ValidationFailed } from '@shipyard/service-kit';
import { EVENT_COLUMNS, EventRow, rowToContent } from '../events/event-row';
import { chainHash, GENESIS_HASH } from '../events/hash-chain';
import { Anchor, anchorsBetween, ChainHead, newestAnchor, readHead } from './chain-store';
import { chainMetrics } from './chain-metrics';

export interface VerifyCommand {
  /** First seq to check (default 1). */
  from?: number;
  /** Last seq to check (default: the head when the check starts). */
  to?: number;
  /** Continue from a row already verified (incremental checks): `from` becomes its seq + 1. */
  after?: ChainHead;
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  fromSeq: number;
  toSeq: number;
  firstBrokenSeq?: number;
  reason?: string;
  anchor: Anchor | null;
  /** The last row that verified (where an incremental check can resume), or null if none did. */
  verifiedThrough: ChainHead | null;
}

const CHUNK = 2000;

/**
 * Recomputes the hash chain over a seq range, reading it in seq order a chunk at a time (memory stays
 * flat however long the chain). A row breaks the chain when it is missing (a gap in seq), when its
 * prev_hash is not its predecessor's hash, when its content no longer hashes to its hash, or when an
 * anchor names its seq with another hash. Cutting rows off the end leaves nothing broken behind, so
 * the newest anchor is read first and the head must reach it.
 */
@Injectable()
export class VerifyChain {
  private readonly metrics = chainMetrics();
  private lastVerifiedSeq = 0;

  constructor(private readonly ds: DataSource) {}

  async execute(cmd: VerifyCommand = {}): Promise<VerifyResult> {
    // Checked first: an empty range would otherwise answer ok with nothing checked.
    if (cmd.from !== undefined && cmd.to !== undefined && cmd.from > cmd.to) throw new ValidationFailed([{ field: 'from', problems: ['from must not exceed to'] }]);
    const em = this.ds.manager;
    const anchor = await newestAnchor(em); // before the head: every anchor read here is at or below it
    const headSeq = (await readHead(em))?.seq ?? 0;
    const fromSeq = cmd.after ? cmd.after.seq + 1 : (cmd.from ?? 1);
    const toSeq = Math.min(cmd.to ?? headSeq, headSeq);
    let prev = cmd.after?.hash ?? (fromSeq > 1 ? await this.hashAt(em, fromSeq - 1) : GENESIS_HASH);
    let expected = fromSeq;
    let verifiedThrough: ChainHead | null = cmd.after ?? null;
    const broken = (seq: number, reason: string): VerifyResult => this.done({ ok: false, checked: expected - fromSeq, fromSeq, toSeq, firstBrokenSeq: seq, reason, anchor, verifiedThrough });

    while (expected <= toSeq) {
      const rows = await em.query<EventRow[]>(`SELECT ${EVENT_COLUMNS} FROM audit.events WHERE seq >= $1 AND seq <= $2 ORDER BY seq LIMIT $3`, [expected, toSeq, CHUNK]);
      if (rows.length === 0) return broken(expected, `row ${expected} is missing`);
      const lastSeq = Number(rows[rows.length - 1]?.seq);
      const anchors = new Map<number, Buffer[]>();
      for (const a of await anchorsBetween(em, expected, lastSeq)) anchors.set(a.seq, [...(anchors.get(a.seq) ?? []), a.hash]);
      for (const row of rows) {
        const seq = Number(row.seq);
        if (seq !== expected) return broken(expected, `row ${expected} is missing`);
        // The first row of a range that starts mid-chain links to a predecessor we may not have read.
        prev ??= row.prev_hash;
        if (!row.prev_hash.equals(prev)) return broken(seq, "prev_hash is not the previous row's hash");
        if (!chainHash(prev, rowToContent(row)).equals(row.hash)) return broken(seq, 'hash mismatch: the content of the row changed');
        if (anchors.get(seq)?.some((h) => !h.equals(row.hash))) return broken(seq, 'the row differs from its anchor');
        prev = row.hash;
        verifiedThrough = { seq, hash: row.hash };
        expected++;
      }
    }
    const checked = expected - fromSeq;
    const reachesAnchor = cmd.to === undefined || cmd.to >= (anchor?.seq ?? 0);
    if (anchor && anchor.seq > toSeq && reachesAnchor) {
      return this.done({ ok: false, checked, fromSeq, toSeq, firstBrokenSeq: toSeq + 1, reason: `truncated: the newest anchor is at seq ${anchor.seq} but the chain ends at seq ${toSeq}`, anchor, verifiedThrough });
    }
    return this.done({ ok: true, checked, fromSeq, toSeq, anchor, verifiedThrough });
  }

  private async hashAt(em: EntityManager, seq: number): Promise<Buffer | null> {
    const rows = await em.query<Array<{ hash: Buffer }>>('SELECT hash FROM audit.events WHERE seq = $1', [seq]);
    return rows[0]?.hash ?? null;
  }

  /**
   * shipyard_audit_last_verified_seq: the end of the prefix known to verify from seq 1. It grows when
   * a check covers seq 1 or continues the known prefix, and shrinks when a check finds a break inside it.
   */
  private done(result: VerifyResult): VerifyResult {
    let next = this.lastVerifiedSeq;
    const through = result.verifiedThrough?.seq ?? result.fromSeq - 1;
    if (result.fromSeq <= next + 1) next = Math.max(next, through);
    if (!result.ok) {
      this.metrics.verifyFailures.inc();
      if (result.firstBrokenSeq !== undefined) next = Math.min(next, result.firstBrokenSeq - 1);
    }
    if (next !== this.lastVerifiedSeq) {
      this.lastVerifiedSeq = next;
      this.metrics.lastVerifiedSeq.set(next);
    }
    return result;
  }
}
