import type { TestDatabase } from '@shipyard/testing';
import { AuditWait, auditRowsFor, waitForAuditRows } from './audit-rows';
import type { LoadResult } from './load';
import { Distribution, distribution, ratePerSecond } from './stats';

export type PhaseKind = 'serial' | 'open-loop' | 'closed-loop';

export interface PhaseReport {
  name: string;
  kind: PhaseKind;
  targetWritesPerS: number | null;
  writers: number | null;
  durationS: number;
  scheduled: number;
  issued: number;
  late: number;
  capped: number;
  maxIssueDelayMs: number;
  ok: number;
  errors: number;
  errorsByStatus: Record<string, number>;
  errorSamples: string[];
  achievedWritesPerS: number | null;
  httpMs: Distribution;
  /** Open loop: response time counted from the scheduled send time, so client-side queueing shows. */
  fromScheduleMs: Distribution | null;
  audit: AuditWait;
  /** recorded_at − occurred_at, both stamped by the services. */
  lagMs: Distribution;
  /** recorded_at − the client's send time. */
  endToEndMs: Distribution;
  /** Rows recorded / (last recorded_at − first recorded_at). */
  auditEventsPerS: number | null;
  /** Last recorded_at − the last 201 response: how long audit trailed behind the writes. */
  auditTrailMs: number | null;
  aborted: boolean;
}

export interface PhaseShape {
  name: string;
  kind: PhaseKind;
  targetWritesPerS: number | null;
  writers: number | null;
  durationS: number;
}

/** Waits for the audit rows of a finished load and turns both sides into one report. */
export async function measurePhase(db: TestDatabase, shape: PhaseShape, load: LoadResult, signal: AbortSignal): Promise<PhaseReport> {
  const created = load.results.filter((r) => r.status === 201 && r.modelId !== null);
  const failed = load.results.filter((r) => !(r.status === 201 && r.modelId !== null));
  const ids = created.map((r) => r.modelId ?? '');

  const audit = await waitForAuditRows(db, ids, { pollMs: 200, stallMs: 30_000, signal });
  const rows = ids.length > 0 ? await auditRowsFor(db, ids) : [];
  const sentAt = new Map(created.map((r) => [r.modelId ?? '', r.sentAtMs]));

  let firstRecorded = Number.POSITIVE_INFINITY;
  let lastRecorded = Number.NEGATIVE_INFINITY;
  const lag: number[] = [];
  const endToEnd: number[] = [];
  for (const row of rows) {
    lag.push(row.recordedMs - row.occurredMs);
    const sent = sentAt.get(row.aggregateId);
    if (sent !== undefined) endToEnd.push(row.recordedMs - sent);
    firstRecorded = Math.min(firstRecorded, row.recordedMs);
    lastRecorded = Math.max(lastRecorded, row.recordedMs);
  }
  const lastWriteDone = created.reduce((m, r) => Math.max(m, r.doneAtMs), Number.NEGATIVE_INFINITY);

  const errorsByStatus: Record<string, number> = {};
  const errorSamples: string[] = [];
  for (const r of failed) {
    const key = r.status === 0 ? 'no response' : String(r.status);
    errorsByStatus[key] = (errorsByStatus[key] ?? 0) + 1;
    const sample = `${key}: ${r.error ?? ''}`;
    if (errorSamples.length < 5 && !errorSamples.includes(sample)) errorSamples.push(sample);
  }

  return {
    ...shape,
    scheduled: load.scheduled,
    issued: load.issued,
    late: load.late,
    capped: load.capped,
    maxIssueDelayMs: load.maxIssueDelayMs,
    ok: created.length,
    errors: failed.length,
    errorsByStatus,
    errorSamples,
    achievedWritesPerS: ratePerSecond(created.length, load.elapsedMs),
    httpMs: distribution(load.results.map((r) => r.doneMono - r.sentMono)),
    fromScheduleMs: shape.kind === 'open-loop' ? distribution(load.results.map((r) => r.doneMono - (r.dueMono ?? r.sentMono))) : null,
    audit,
    lagMs: distribution(lag),
    endToEndMs: distribution(endToEnd),
    auditEventsPerS: rows.length > 0 ? ratePerSecond(rows.length, lastRecorded - firstRecorded) : null,
    auditTrailMs: rows.length > 0 && created.length > 0 ? lastRecorded - lastWriteDone : null,
    aborted: load.aborted || audit.gaveUp === 'interrupted',
  };
}
