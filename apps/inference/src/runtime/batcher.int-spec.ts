import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MLP_LAYERS, mlpModel, sampleRows, writeTestModel } from '../testing/test-models';
import { DynamicBatcher, supportsBatching } from './batcher';
import { warmUp } from './warmup';
import { InferenceEngine } from './worker-pool';

describe('DynamicBatcher over a real engine (MLP)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'shipyard-batcher-'));
  let engine: InferenceEngine;

  beforeAll(async () => {
    engine = await InferenceEngine.load(writeTestModel(dir, 'mlp'), { workers: 1, intraOpThreads: 1 });
  });

  afterAll(async () => {
    await engine?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('warms every worker from the signature', async () => {
    const result = await warmUp(engine, 3);
    expect(result.runs).toBe(3);
    expect(result.slowestMs).toBeGreaterThan(0);
  });

  it('returns each of 64 concurrent callers its own rows, computed in shared batches', async () => {
    expect(supportsBatching(engine.io)).toBe(true);
    const batcher = new DynamicBatcher(engine, { enabled: true, maxBatchSize: 32, maxQueueDelayUs: 500 });
    const reference = mlpModel();
    const width = MLP_LAYERS[0];
    const callers = Array.from({ length: 64 }, (_, i) => ({ n: 1 + (i % 3), seed: 500 + i }));
    const results = await Promise.all(callers.map((c) => batcher.submit({ input: { dtype: 'float32', shape: [c.n, width], data: sampleRows(c.n, width, c.seed) } })));
    results.forEach((r, i) => {
      const c = callers[i] as { n: number; seed: number };
      expect(r.outputs.probabilities?.shape).toEqual([c.n, 10]);
      const expected = reference.predict(sampleRows(c.n, width, c.seed), c.n);
      Array.from(r.outputs.probabilities?.data as Float32Array).forEach((p, k) => expect(Math.abs(p - (expected[k] ?? NaN))).toBeLessThan(1e-5));
      expect(r.batchSize).toBeLessThanOrEqual(32);
    });
    expect(Math.max(...results.map((r) => r.batchSize))).toBeGreaterThan(3);
  });
});
