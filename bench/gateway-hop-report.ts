import type { CannonRun } from './cannon';
import { ms, perS, renderTable } from './report';

export type HopGroup = 'A' | 'B';

/** One measured variant at one connection count. */
export interface HopMeasurement {
  group: HopGroup;
  /** e.g. "A2 http hop". */
  variant: string;
  /** The variant of the same group this one is compared with; null for a baseline itself. */
  baseline: string | null;
  run: CannonRun;
}

/** Hop ÷ direct, measured in the same run at the same connection count. */
export interface HopRatios {
  okPerS: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Hop p50 − direct p50 (ms): what the hop adds to a typical request. */
  addedP50Ms: number | null;
}

export function ratiosFor(m: HopMeasurement, all: readonly HopMeasurement[]): HopRatios | null {
  if (m.baseline === null) return null;
  const base = all.find((b) => b.variant === m.baseline && b.run.connections === m.run.connections);
  if (!base) return null;
  const div = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : a / b);
  const h = m.run.latencyMs;
  const d = base.run.latencyMs;
  return {
    okPerS: div(m.run.okPerS, base.run.okPerS),
    p50: div(h.p50, d.p50),
    p95: div(h.p95, d.p95),
    p99: div(h.p99, d.p99),
    addedP50Ms: h.p50 === null || d.p50 === null ? null : h.p50 - d.p50,
  };
}

/** Sub-millisecond figures need two decimals; larger ones fall back to report.ts's format. */
export function fineMs(v: number | null): string {
  if (v === null) return '-';
  return Math.abs(v) < 10 ? v.toFixed(2) : ms(v);
}

const times = (v: number | null) => (v === null ? '-' : `${v.toFixed(2)}x`);

/** Progress line printed as soon as a run is done. */
export function runLine(m: HopMeasurement): string {
  const r = m.run;
  const l = r.latencyMs;
  const failures = r.non2xx + r.errors;
  return `  ${m.variant.padEnd(16)} c=${String(r.connections).padStart(2)}  ${perS(r.okPerS).padStart(6)} req/s  p50/p95/p99 ${fineMs(l.p50)} / ${fineMs(l.p95)} / ${fineMs(l.p99)} ms${failures > 0 ? `  FAILED ${failures} (non-2xx ${r.non2xx}, errors ${r.errors}, timeouts ${r.timeouts})` : ''}${r.aborted ? '  (interrupted)' : ''}`;
}

const HEADER = ['variant', 'conns', 'req/s', 'p50', 'p95', 'p99', 'req/s ratio', 'p50 ratio', 'p99 ratio', '+p50 ms', 'ac p50/p97.5/p99', 'failed'];

/** The side-by-side table: every hop next to its direct baseline from the same run. */
export function hopTable(all: readonly HopMeasurement[]): string {
  const rows = all.map((m) => {
    const r = m.run;
    const l = r.latencyMs;
    const x = ratiosFor(m, all);
    const a = r.autocannonMs;
    return [
      m.variant + (r.aborted ? ' (interrupted)' : ''),
      String(r.connections),
      perS(r.okPerS),
      fineMs(l.p50),
      fineMs(l.p95),
      fineMs(l.p99),
      x ? times(x.okPerS) : 'baseline',
      x ? times(x.p50) : '',
      x ? times(x.p99) : '',
      x ? (x.addedP50Ms === null ? '-' : `${x.addedP50Ms >= 0 ? '+' : ''}${fineMs(x.addedP50Ms)}`) : '',
      a ? `${a.p50} / ${a.p97_5} / ${a.p99}` : '-',
      String(r.non2xx + r.errors),
    ];
  });
  return renderTable(HEADER, rows);
}
