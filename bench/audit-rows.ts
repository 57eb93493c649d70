import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestDatabase } from '@shipyard/testing';

export interface AuditRow {
  aggregateId: string;
  /** Epoch ms: when the registry created the event in its transaction. */
  occurredMs: number;
  /** Epoch ms: when the audit service wrote the row. */
  recordedMs: number;
}

export interface AuditWait {
  expected: number;
  found: number;
  complete: boolean;
  /** Why waiting stopped short, when it did. */
  gaveUp: string | null;
  waitedMs: number;
}

export interface AuditWaitOptions {
  pollMs: number;
  /** Give up when the row count has not grown for this long. */
  stallMs: number;
  signal: AbortSignal;
}

/** Polls until every model id has its audit row, or the count stops growing. */
export async function waitForAuditRows(db: TestDatabase, modelIds: readonly string[], opts: AuditWaitOptions): Promise<AuditWait> {
  const started = performance.now();
  let found = 0;
  let lastGrowth = started;
  for (;;) {
    const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit.events WHERE aggregate_id = ANY($1::text[])', [modelIds]);
    const n = rows[0]?.n ?? 0;
    if (n > found) {
      found = n;
      lastGrowth = performance.now();
    }
    const waitedMs = performance.now() - started;
    if (found >= modelIds.length) return { expected: modelIds.length, found, complete: true, gaveUp: null, waitedMs };
    if (opts.signal.aborted) return { expected: modelIds.length, found, complete: false, gaveUp: 'interrupted', waitedMs };
    if (performance.now() - lastGrowth > opts.stallMs) {
      return { expected: modelIds.length, found, complete: false, gaveUp: `no new audit rows for ${Math.round(opts.stallMs / 1000)} s`, waitedMs };
    }
    await sleep(opts.pollMs);
  }
}

/** The audit rows of these models, with both server timestamps as epoch milliseconds. */
export async function auditRowsFor(db: TestDatabase, modelIds: readonly string[]): Promise<AuditRow[]> {
  const rows = await db.query<{ aggregate_id: string; occurred_ms: number; recorded_ms: number }>(
    `SELECT aggregate_id,
            (extract(epoch FROM occurred_at) * 1000)::float8 AS occurred_ms,
            (extract(epoch FROM recorded_at) * 1000)::float8 AS recorded_ms
       FROM audit.events
      WHERE aggregate_id = ANY($1::text[])`,
    [modelIds],
  );
  return rows.map((r) => ({ aggregateId: r.aggregate_id, occurredMs: r.occurred_ms, recordedMs: r.recorded_ms }));
}
