import { EntityManager } from 'typeorm';

/** One lock id for the single chain: whoever holds it is the only writer of seq, hash and anchors. */
export const CHAIN_LOCK = 0x5348_4950; // "SHIP"

export interface ChainHead {
  seq: number;
  hash: Buffer;
}

export interface Anchor extends ChainHead {
  anchoredAt: Date;
}

export type AnchorReason = 'count' | 'interval';

/** Takes the chain lock until the transaction ends. */
export async function lockChain(em: EntityManager): Promise<void> {
  await em.query('SELECT pg_advisory_xact_lock($1)', [CHAIN_LOCK]);
}

/** The newest row of the chain, or null while it is empty. */
export async function readHead(em: EntityManager): Promise<ChainHead | null> {
  const rows = await em.query<Array<{ seq: string; hash: Buffer }>>('SELECT seq, hash FROM audit.events ORDER BY seq DESC LIMIT 1');
  const row = rows[0];
  return row ? { seq: Number(row.seq), hash: row.hash } : null;
}

export async function writeAnchor(em: EntityManager, head: ChainHead, reason: AnchorReason): Promise<void> {
  await em.query('INSERT INTO audit.anchors (seq, hash, reason) VALUES ($1, $2, $3)', [head.seq, head.hash, reason]);
}

/** The anchor with the highest seq (the latest written, since the head only grows). */
export async function newestAnchor(em: EntityManager): Promise<Anchor | null> {
  const rows = await em.query<Array<{ seq: string; hash: Buffer; anchored_at: Date }>>('SELECT seq, hash, anchored_at FROM audit.anchors ORDER BY seq DESC, id DESC LIMIT 1');
  const row = rows[0];
  return row ? { seq: Number(row.seq), hash: row.hash, anchoredAt: row.anchored_at } : null;
}

/** Anchors with lo <= seq <= hi, by seq. */
export async function anchorsBetween(em: EntityManager, lo: number, hi: number): Promise<Anchor[]> {
  const rows = await em.query<Array<{ seq: string; hash: Buffer; anchored_at: Date }>>('SELECT seq, hash, anchored_at FROM audit.anchors WHERE seq BETWEEN $1 AND $2 ORDER BY seq, id', [lo, hi]);
  return rows.map((r) => ({ seq: Number(r.seq), hash: r.hash, anchoredAt: r.anchored_at }));
}

/** True when appending seqs (before, after] passes a multiple of `every`. */
export function crossesAnchor(before: number, after: number, every: number): boolean {
  return Math.floor(after / every) > Math.floor(before / every);
}
