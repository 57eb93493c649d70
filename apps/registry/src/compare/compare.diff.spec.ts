import type { RunSummary } from '@shipyard/contracts';
import type { RunLookup } from '../gates/run-summaries';
import { ModelVersionEntity, VersionView } from '../versions/model-version.entity';
import { buildComparison, diffMetrics, diffParams, diffSignatures } from './compare.diff';

function view(version: number, over: Partial<ModelVersionEntity> = {}, aliases: string[] = []): VersionView {
  const v = Object.assign(new ModelVersionEntity(), {
    id: `00000000-0000-7000-8000-00000000000${version}`, modelId: '00000000-0000-7000-8000-0000000000aa', version, previousVersion: version > 1 ? version - 1 : null, status: 'READY', stage: 'None',
    framework: 'onnx', description: null, tags: [], sourceRunId: `run-${version}`, signature: null, artifactKey: 'k', artifactSize: 100, artifactSha256: 'a'.repeat(64), artifactContentType: null, sourceUri: null,
    failureReason: null, createdBy: 'user:u', createdByUser: 'u', createdAt: new Date(0), updatedAt: new Date(0), deletedAt: null, deletedBy: null, ...over,
  } satisfies ModelVersionEntity);
  return { version: v, modelName: 'churn', aliases };
}
const run = (id: string, params: Record<string, string>, metrics: Record<string, number>): RunLookup => ({ kind: 'found', run: { id, experimentId: 'e', experimentName: 'exp', name: id, status: 'FINISHED', params, metrics, datasets: [] } satisfies RunSummary });

describe('compare', () => {
  it('diffs params and metrics over the union of keys, sorted', () => {
    expect(diffParams({ lr: '0.1', depth: '6' }, { lr: '0.05', seed: '1' })).toEqual([
      { key: 'depth', a: '6', b: null, changed: true },
      { key: 'lr', a: '0.1', b: '0.05', changed: true },
      { key: 'seed', a: null, b: '1', changed: true },
    ]);
    expect(diffMetrics({ acc: 0.5, loss: 1 }, { acc: 0.75 })).toEqual([
      { key: 'acc', a: 0.5, b: 0.75, delta: 0.25 },
      { key: 'loss', a: 1, b: null, delta: null },
    ]);
  });

  it('diffs signatures tensor by tensor', () => {
    const a = { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 16] }], outputs: [{ name: 'y', dtype: 'float32', shape: [-1, 1] }] };
    const b = { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 32] }], outputs: [{ name: 'y', dtype: 'float32', shape: [-1, 1] }] };
    expect(diffSignatures(a, b)).toEqual({ available: true, equal: false, inputs: [{ name: 'x', a: 'float32[-1,16]', b: 'float32[-1,32]', changed: true }], outputs: [{ name: 'y', a: 'float32[-1,1]', b: 'float32[-1,1]', changed: false }] });
    expect(diffSignatures(a, a).equal).toBe(true);
    expect(diffSignatures(null, a)).toMatchObject({ available: false, equal: false });
  });

  it('says when a run is unavailable instead of failing, and compares artifacts', () => {
    const out = buildComparison(
      { view: view(1, { stage: 'Production' }, ['champion']), card: 'Approved', run: run('run-1', { lr: '0.1' }, { acc: 0.9 }) },
      { view: view(2, { artifactSize: 150, artifactSha256: 'b'.repeat(64), sourceRunId: null }), card: null, run: { kind: 'no_run' } },
    );
    expect(out.a).toMatchObject({ version: 1, stage: 'Production', aliases: ['champion'], cardStatus: 'Approved', run: { available: true, runId: 'run-1' } });
    expect(out.b.run).toEqual({ available: false, runId: null, reason: 'version has no source run (sourceRunId is not set)', name: null, status: null, experimentName: null });
    expect(out.params).toEqual([{ key: 'lr', a: '0.1', b: null, changed: true }]);
    expect(out.metrics).toEqual([{ key: 'acc', a: 0.9, b: null, delta: null }]);
    expect(out.artifact).toEqual({ sameSha256: false, sizeDelta: 50 });
  });
});
