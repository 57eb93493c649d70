import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical-json';

/** The first row's prev_hash: 32 zero bytes. */
export const GENESIS_HASH = Buffer.alloc(32);

/** What a row's hash covers: everything recorded about the event, and its place in the chain. */
export interface ChainedContent {
  seq: number;
  eventId: string;
  subject: string;
  action: string;
  actor: { type: string; id: string };
  aggregate: { type: string; id: string };
  payload: Record<string, unknown>;
  before: Record<string, unknown> | null;
  after: Record<string, unknown> | null;
  correlationId: string;
  occurredAt: string;
  recordedAt: string;
}

/** hash = sha256(prev_hash bytes || utf8(canonical JSON of the content)). */
export function chainHash(prevHash: Buffer, content: ChainedContent): Buffer {
  return createHash('sha256').update(prevHash).update(canonicalJson(content), 'utf8').digest();
}
