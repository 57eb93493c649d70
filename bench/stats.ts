/** Latency figures in milliseconds; null when there was nothing to measure. */
export interface Distribution {
  count: number;
  min: number | null;
  mean: number | null;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  max: number | null;
}

/**
 * Nearest-rank percentile of an ascending array: the smallest value with at least p% of the values at
 * or below it (rank = ceil(p/100 · n), 1-based). Always one of the observed values, never interpolated.
 */
export function percentile(sortedAscending: readonly number[], p: number): number | null {
  if (!(p > 0 && p <= 100)) throw new RangeError(`percentile must be in (0, 100], got ${p}`);
  const n = sortedAscending.length;
  if (n === 0) return null;
  const rank = Math.ceil((p / 100) * n);
  return sortedAscending[Math.min(n, Math.max(1, rank)) - 1] ?? null;
}

export function distribution(values: readonly number[]): Distribution {
  const sorted = [...values].sort((a, b) => a - b);
  const n = sorted.length;
  if (n === 0) return { count: 0, min: null, mean: null, p50: null, p95: null, p99: null, max: null };
  let sum = 0;
  for (const v of sorted) sum += v;
  return {
    count: n,
    min: sorted[0] ?? null,
    mean: sum / n,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[n - 1] ?? null,
  };
}

/** Events per second over a span in ms; null when the span is empty (everything at one instant). */
export function ratePerSecond(count: number, spanMs: number): number | null {
  return spanMs > 0 ? count / (spanMs / 1000) : null;
}
