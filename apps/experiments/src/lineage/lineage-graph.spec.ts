import { LineageGraph } from './lineage-graph';

describe('LineageGraph', () => {
  const dataset = { id: 'd1', name: 'churn', digest: 'a'.repeat(64), sourceUri: null, rowCount: 10 };
  const run = { id: 'r1', name: null, experimentId: 'e1', experimentName: 'exp', status: 'FINISHED', lifecycleStage: 'active', startTime: '2026-12-01T00:00:00.000Z' };
  const version = { id: 'v1', modelId: 'm1', modelName: 'churn-model', version: 3, stage: 'Staging', status: 'READY', sourceRunId: 'r1', createdAt: '2026-12-02T00:00:00.000Z' };

  it('keeps each node and edge once, in the order reached, root first; one edge per input context', () => {
    const g = new LineageGraph({ kind: 'dataset', id: 'd1' });
    g.dataset(dataset);
    g.run(run);
    g.run(run);
    g.version(version);
    g.edge('d1', 'r1', 'input_of', { context: 'training' });
    g.edge('d1', 'r1', 'input_of', { context: 'training' });
    g.edge('d1', 'r1', 'input_of', { context: 'validation' });
    g.edge('r1', 'v1', 'produced');
    g.warn('x');
    g.warn('x');
    const out = g.toResponse();
    expect(out.nodes.map((n) => [n.kind, n.label])).toEqual([['dataset', `churn@${'a'.repeat(12)}`], ['run', 'r1'], ['model_version', 'churn-model v3']]);
    expect(out.edges).toEqual([
      { from: 'd1', to: 'r1', relation: 'input_of', attributes: { context: 'training' } },
      { from: 'd1', to: 'r1', relation: 'input_of', attributes: { context: 'validation' } },
      { from: 'r1', to: 'v1', relation: 'produced', attributes: {} },
    ]);
    expect(out.warnings).toEqual(['x']);
    expect(out.root).toEqual({ kind: 'dataset', id: 'd1' });
  });

  it('a bare node carries its id as label and no attributes', () => {
    const g = new LineageGraph({ kind: 'model_version', id: 'v9' });
    g.bare({ kind: 'model_version', id: 'v9' });
    expect(g.toResponse().nodes).toEqual([{ kind: 'model_version', id: 'v9', label: 'v9', attributes: {} }]);
  });
});
