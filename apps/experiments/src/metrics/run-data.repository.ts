import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryReturning } from '@shipyard/persistence';
import { rows } from '../common/sql';

/** Metrics as parallel arrays: each call sends four arrays, not a thousand rows of parameters. */
export interface MetricColumns {
  keys: string[];
  values: number[];
  timestamps: number[];
  steps: number[];
}

/** The unique index that makes a metric point (run, key, step, timestamp, value) one row. */
export const METRIC_POINT_KEY = 'metrics_point_key';

export interface MetricPoint {
  value: number;
  timestamp: number;
  step: number;
}

const OID = { int8: 20, text: 25, float8: 701 } as const;

/**
 * A one-dimensional array in PostgreSQL's binary wire format (array_recv): node-postgres sends a Buffer
 * parameter as binary, so 1,000 doubles cost 12 kB of memcpy instead of 1,000 shortest-round-trip
 * number-to-text conversions here and 1,000 text parses in the server. `size` and `write` give each
 * element's byte length and write it at an offset.
 */
function binaryArray<T>(values: readonly T[], oid: number, size: (v: T) => number, write: (buf: Buffer, offset: number, v: T) => void): Buffer {
  if (values.length === 0) {
    const empty = Buffer.alloc(12);
    empty.writeInt32BE(oid, 8); // ndim 0, no nulls
    return empty;
  }
  let bytes = 20;
  for (const v of values) bytes += 4 + size(v);
  const buf = Buffer.allocUnsafe(bytes);
  buf.writeInt32BE(1, 0); // one dimension
  buf.writeInt32BE(0, 4); // no nulls
  buf.writeInt32BE(oid, 8);
  buf.writeInt32BE(values.length, 12);
  buf.writeInt32BE(1, 16); // lower bound
  let offset = 20;
  for (const v of values) {
    const n = size(v);
    buf.writeInt32BE(n, offset);
    write(buf, offset + 4, v);
    offset += 4 + n;
  }
  return buf;
}

/** float8[]: -0 is stored as 0, as its text form "0" was. */
export function float8Array(values: readonly number[]): Buffer {
  return binaryArray(values, OID.float8, () => 8, (buf, o, v) => buf.writeDoubleBE(v === 0 ? 0 : v, o));
}

/** int8[] of safe integers (validation guarantees them), written as two 32-bit halves. */
export function int8Array(values: readonly number[]): Buffer {
  return binaryArray(values, OID.int8, () => 8, (buf, o, v) => {
    const high = Math.floor(v / 4294967296);
    buf.writeInt32BE(high, o);
    buf.writeUInt32BE(v - high * 4294967296, o + 4);
  });
}

/** text[] as UTF-8, no quoting or escaping needed; each distinct string (a batch repeats its keys) is encoded once. */
export function textArray(values: readonly string[]): Buffer {
  const encoded = new Map<string, Buffer>();
  const parts = values.map((v) => {
    let b = encoded.get(v);
    if (!b) encoded.set(v, (b = Buffer.from(v, 'utf8')));
    return b;
  });
  return binaryArray(parts, OID.text, (b) => b.length, (buf, o, b) => b.copy(buf, o));
}

/** Writes and reads of what is logged to a run: params, metric history + latest values, tags. */
@Injectable()
export class RunDataRepository {
  /**
   * The whole history in one multi-row INSERT over unnest() (in batch order, so seq follows logging
   * order) and, in the same statement, the latest values: per key the point with the highest (step,
   * timestamp), value breaking ties. DISTINCT ON picks each key's best point of the batch (one row per
   * key, sorted, so concurrent batches lock keys in one order); an existing row is replaced only by a
   * higher (step, timestamp, value). One round trip and one copy of the arrays (binary, see binaryArray) for both tables.
   *
   * A point is logged once (the unique metrics_point_key): a plain INSERT fails with a unique violation
   * on a point already there (an MLflow client retrying a batch that had committed) or repeated in the
   * batch, and the caller then runs its transaction again with `skipLogged`, which skips such points
   * (ON CONFLICT DO NOTHING costs a speculative insertion per row, ~12 % of ingest, so only then).
   */
  async insertMetrics(em: EntityManager, runId: string, m: MetricColumns, skipLogged = false): Promise<void> {
    if (m.keys.length === 0) return;
    await em.query(
      `WITH t AS (SELECT k, v, ts, st FROM unnest($2::text[], $3::float8[], $4::int8[], $5::int8[]) AS u(k, v, ts, st)),
       history AS (INSERT INTO experiments.metrics (run_id, key, value, timestamp, step) SELECT $1::uuid, k, v, ts, st FROM t${skipLogged ? ' ON CONFLICT (run_id, key, step, timestamp, value) DO NOTHING' : ''})
       INSERT INTO experiments.latest_metrics AS l (run_id, key, value, timestamp, step)
       SELECT DISTINCT ON (k) $1::uuid, k, v, ts, st FROM t
       ORDER BY k, st DESC, ts DESC, v DESC
       ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value, timestamp = EXCLUDED.timestamp, step = EXCLUDED.step
       WHERE (EXCLUDED.step, EXCLUDED.timestamp, EXCLUDED.value) > (l.step, l.timestamp, l.value)`,
      [runId, textArray(m.keys), float8Array(m.values), int8Array(m.timestamps), int8Array(m.steps)],
    );
  }

  /**
   * Inserts params that are new and returns those already logged with another value. The check runs
   * as a second statement so that it sees rows a concurrent transaction committed while this one waited.
   */
  async insertParams(em: EntityManager, runId: string, params: Map<string, string>): Promise<Array<{ key: string; logged: string; attempted: string }>> {
    if (params.size === 0) return [];
    const keys = [...params.keys()].sort();
    const inserted = await rows<{ key: string }>(
      em,
      `INSERT INTO experiments.params (run_id, key, value) SELECT $1::uuid, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
       ON CONFLICT (run_id, key) DO NOTHING RETURNING key`,
      [runId, keys, keys.map((k) => params.get(k))],
    );
    if (inserted.length === keys.length) return [];
    const fresh = new Set(inserted.map((r) => r.key));
    const existing = await rows<{ key: string; value: string }>(em, 'SELECT key, value FROM experiments.params WHERE run_id = $1 AND key = ANY($2::text[]) ORDER BY key', [runId, keys.filter((k) => !fresh.has(k))]);
    return existing.filter((r) => r.value !== params.get(r.key)).map((r) => ({ key: r.key, logged: r.value, attempted: params.get(r.key) ?? '' }));
  }

  async upsertTags(em: EntityManager, runId: string, tags: Record<string, string>): Promise<void> {
    const keys = Object.keys(tags).sort();
    if (keys.length === 0) return;
    await em.query(
      `INSERT INTO experiments.run_tags (run_id, key, value) SELECT $1::uuid, k, v FROM unnest($2::text[], $3::text[]) AS t(k, v)
       ON CONFLICT (run_id, key) DO UPDATE SET value = EXCLUDED.value`,
      [runId, keys, keys.map((k) => tags[k])],
    );
  }

  /** The removed value, or null when the run had no such tag. */
  async deleteTag(em: EntityManager, runId: string, key: string): Promise<string | null> {
    const deleted = await queryReturning<{ value: string }>(em, 'DELETE FROM experiments.run_tags WHERE run_id = $1 AND key = $2 RETURNING value', [runId, key]);
    return deleted[0]?.value ?? null;
  }

  /** One metric's points in (step, timestamp, value) order, each once, from the unique (run_id, key, step, timestamp, value) index. */
  async history(em: EntityManager, runId: string, key: string, f: { minStep?: number; maxStep?: number; after?: [number, number, number]; limit: number }): Promise<MetricPoint[]> {
    const params: unknown[] = [runId, key];
    const where = ['run_id = $1', 'key = $2'];
    if (f.minStep !== undefined) where.push(`step >= $${params.push(f.minStep)}`);
    if (f.maxStep !== undefined) where.push(`step <= $${params.push(f.maxStep)}`);
    if (f.after) {
      const [s, t, v] = f.after;
      // NaN travels as 'NaN' and sorts above every number in PostgreSQL, equal to itself: a total order.
      where.push(`(step, timestamp, value) > ($${params.push(s)}::int8, $${params.push(t)}::int8, $${params.push(v)}::float8)`);
    }
    const found = await rows<{ value: number; timestamp: string; step: string }>(
      em,
      `SELECT value, timestamp, step FROM experiments.metrics WHERE ${where.join(' AND ')} ORDER BY step, timestamp, value LIMIT $${params.push(f.limit)}`,
      params,
    );
    return found.map((r) => ({ value: r.value, timestamp: Number(r.timestamp), step: Number(r.step) }));
  }
}
