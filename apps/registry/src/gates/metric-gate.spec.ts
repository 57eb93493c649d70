import type { RunSummary } from '@shipyard/contracts';
import { evaluateMetricGates } from './metric-gate';

const run = (metrics: Record<string, number>): RunSummary => ({ id: 'run-1', experimentId: 'e1', experimentName: 'exp', name: null, status: 'FINISHED', params: {}, metrics, datasets: [] });

describe('evaluateMetricGates', () => {
  it('compares the run’s metric with each operator', () => {
    const results = evaluateMetricGates(
      [
        { metric: 'accuracy', op: '>=', threshold: 0.9 },
        { metric: 'accuracy', op: '>', threshold: 0.93 },
        { metric: 'loss', op: '<', threshold: 0.2 },
        { metric: 'loss', op: '<=', threshold: 0.1 },
        { metric: 'epochs', op: '==', threshold: 10 },
      ],
      { kind: 'found', run: run({ accuracy: 0.93, loss: 0.15, epochs: 10 }) },
    );
    expect(results.map((r) => [r.gate, r.passed, r.actual])).toEqual([
      ['metric:accuracy >= 0.9', true, 0.93],
      ['metric:accuracy > 0.93', false, 0.93],
      ['metric:loss < 0.2', true, 0.15],
      ['metric:loss <= 0.1', false, 0.15],
      ['metric:epochs == 10', true, 10],
    ]);
    expect(results[1]).toEqual({ gate: 'metric:accuracy > 0.93', passed: false, actual: 0.93, expected: '> 0.93', reason: 'accuracy is 0.93, needs > 0.93' });
    expect(results[0]?.reason).toBeNull();
  });

  it('fails a gate whose metric the run does not have', () => {
    expect(evaluateMetricGates([{ metric: 'f1', op: '>=', threshold: 0.5 }], { kind: 'found', run: run({ accuracy: 1 }) })[0]).toMatchObject({ passed: false, actual: null, reason: 'source run "run-1" has no metric "f1"' });
  });

  it.each([
    [{ kind: 'no_run' } as const, 'version has no source run (sourceRunId is not set)'],
    [{ kind: 'missing', runId: 'r9' } as const, 'source run "r9" was not found in experiments'],
    [{ kind: 'unavailable', runId: 'r9', reason: 'experiments service unavailable' } as const, 'experiments service unavailable'],
  ])('fails every metric gate when the run is %j', (lookup, reason) => {
    const results = evaluateMetricGates([{ metric: 'accuracy', op: '>=', threshold: 0.9 }, { metric: 'loss', op: '<', threshold: 1 }], lookup);
    expect(results).toEqual([
      { gate: 'metric:accuracy >= 0.9', passed: false, actual: null, expected: '>= 0.9', reason },
      { gate: 'metric:loss < 1', passed: false, actual: null, expected: '< 1', reason },
    ]);
  });
});
