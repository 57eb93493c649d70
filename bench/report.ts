import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { PhaseReport } from './phase';
import type { Distribution } from './stats';

export function ms(v: number | null): string {
  if (v === null) return '-';
  return v >= 100 ? v.toFixed(0) : v.toFixed(1);
}

export function perS(v: number | null): string {
  return v === null ? '-' : v.toFixed(0);
}

function triple(d: Distribution): string {
  return `${ms(d.p50)} / ${ms(d.p95)} / ${ms(d.p99)}`;
}

/** Lines printed once a phase has been measured. */
export function phaseLines(p: PhaseReport): string[] {
  const load =
    p.kind === 'open-loop'
      ? `offered ${p.scheduled} in ${p.durationS} s, issued ${p.issued}; late (>10 ms behind schedule) ${p.late}, waited for a free slot ${p.capped}, worst issue delay ${ms(p.maxIssueDelayMs)} ms`
      : `${p.writers ?? 1} writer(s), ${p.issued} requests`;
  const errors = p.errors === 0 ? 'no errors' : `${p.errors} errors ${JSON.stringify(p.errorsByStatus)}`;
  const audit = p.audit.complete
    ? `${p.audit.found}/${p.audit.expected} audit rows`
    : `INCOMPLETE: ${p.audit.found}/${p.audit.expected} audit rows (${p.audit.gaveUp ?? ''})`;
  const lines = [
    `  load     ${load}`,
    `  writes   ${p.ok} created, ${errors}; achieved ${perS(p.achievedWritesPerS)} writes/s; HTTP p50/p95/p99 ${triple(p.httpMs)} ms, max ${ms(p.httpMs.max)} ms`,
    `  audit    ${audit}; lag (recorded_at - occurred_at) p50/p95/p99 ${triple(p.lagMs)} ms, max ${ms(p.lagMs.max)} ms`,
    `           end to end (recorded_at - client send) p50/p95/p99 ${triple(p.endToEndMs)} ms, max ${ms(p.endToEndMs.max)} ms`,
    `           ingest ${perS(p.auditEventsPerS)} events/s; last row ${ms(p.auditTrailMs)} ms after the last 201`,
  ];
  if (p.fromScheduleMs) lines.splice(2, 0, `           response time from the scheduled send p50/p95/p99 ${triple(p.fromScheduleMs)} ms, max ${ms(p.fromScheduleMs.max)} ms`);
  for (const s of p.errorSamples) lines.push(`  error    ${s}`);
  return lines;
}

const COLUMNS: Array<[string, (p: PhaseReport) => string]> = [
  ['phase', (p) => (p.aborted ? `${p.name} (interrupted)` : p.name)],
  ['target/s', (p) => (p.targetWritesPerS === null ? '-' : String(p.targetWritesPerS))],
  ['writes/s', (p) => perS(p.achievedWritesPerS)],
  ['http p50', (p) => ms(p.httpMs.p50)],
  ['http p95', (p) => ms(p.httpMs.p95)],
  ['http p99', (p) => ms(p.httpMs.p99)],
  ['lag p50', (p) => ms(p.lagMs.p50)],
  ['lag p95', (p) => ms(p.lagMs.p95)],
  ['lag p99', (p) => ms(p.lagMs.p99)],
  ['lag max', (p) => ms(p.lagMs.max)],
  ['e2e p99', (p) => ms(p.endToEndMs.p99)],
  ['audit ev/s', (p) => perS(p.auditEventsPerS)],
  ['errors', (p) => String(p.errors)],
  ['late', (p) => (p.kind === 'open-loop' ? String(p.late) : '-')],
  ['audit rows', (p) => `${p.audit.found}/${p.audit.expected}`],
];

/** The side-by-side table (times in ms). */
export function summaryTable(phases: readonly PhaseReport[]): string {
  return renderTable(
    COLUMNS.map(([h]) => h),
    phases.map((p) => COLUMNS.map(([, f]) => f(p))),
  );
}

/** A plain-text table: the first column left-aligned, the others right-aligned, a rule under the header. */
export function renderTable(header: readonly string[], body: ReadonlyArray<readonly string[]>): string {
  const cells = [header, ...body];
  const widths = header.map((_, c) => Math.max(...cells.map((row) => (row[c] ?? '').length)));
  const line = (row: readonly string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...body.map(line)].join('\n');
}

export function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, JSON.stringify(value, null, 2) + '\n');
}
