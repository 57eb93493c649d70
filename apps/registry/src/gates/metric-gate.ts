import type { GateOperator, GateResult } from '@shipyard/contracts';
import type { MetricGate } from './gates.repository';
import { RunLookup, runProblem } from './run-summaries';

const COMPARE: Record<GateOperator, (actual: number, threshold: number) => boolean> = {
  '>=': (a, t) => a >= t,
  '>': (a, t) => a > t,
  '<=': (a, t) => a <= t,
  '<': (a, t) => a < t,
  '==': (a, t) => a === t,
};

export const metricGateName = (g: MetricGate) => `metric:${g.metric} ${g.op} ${g.threshold}`;

/** One result per metric gate, read against the version's source run (the latest value of each metric). */
export function evaluateMetricGates(gates: readonly MetricGate[], run: RunLookup): GateResult[] {
  const problem = runProblem(run);
  return gates.map((g) => {
    const base = { gate: metricGateName(g), expected: `${g.op} ${g.threshold}` };
    if (run.kind !== 'found') return { ...base, passed: false, actual: null, reason: problem };
    const actual = run.run.metrics[g.metric];
    if (actual === undefined) return { ...base, passed: false, actual: null, reason: `source run "${run.run.id}" has no metric "${g.metric}"` };
    const passed = COMPARE[g.op](actual, g.threshold);
    return { ...base, passed, actual, reason: passed ? null : `${g.metric} is ${actual}, needs ${g.op} ${g.threshold}` };
  });
}
