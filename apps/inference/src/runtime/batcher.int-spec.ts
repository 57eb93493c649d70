import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EMBEDDING_WIDTH, embeddingModel, MLP_LAYERS, mlpModel, sampleRows, writeTestModel } from '../testing/test-models';
import { InferenceRunError } from './errors';
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

  it('answers the other callers of a batch that ONNX Runtime refuses for one caller\'s values (an id out of range)', async () => {
    const embedding = await InferenceEngine.load(writeTestModel(dir, 'embedding'), { workers: 1, intraOpThreads: 1 });
    try {
      const { table } = embeddingModel();
      const batcher = new DynamicBatcher(embedding, { enabled: true, maxBatchSize: 64, maxQueueDelayUs: 2000 });
      const ids = Array.from({ length: 16 }, (_, i) => (i === 5 ? 99 : i % 8));
      const results = await Promise.allSettled(ids.map((id) => batcher.submit({ ids: { dtype: 'int64', shape: [1, 1], data: BigInt64Array.of(BigInt(id)) } })));
      results.forEach((r, i) => {
        const id = ids[i] ?? -1;
        if (id === 99) {
          expect(r.status).toBe('rejected');
          expect((r as PromiseRejectedResult).reason).toBeInstanceOf(InferenceRunError);
          return;
        }
        expect(r.status).toBe('fulfilled');
        const out = (r as PromiseFulfilledResult<Awaited<ReturnType<DynamicBatcher['submit']>>>).value.outputs.vectors;
        expect(out?.shape).toEqual([1, 1, EMBEDDING_WIDTH]);
        expect(Array.from(out?.data as Float32Array)).toEqual(Array.from(table.subarray(id * EMBEDDING_WIDTH, (id + 1) * EMBEDDING_WIDTH)));
      });
      expect(batcher.notBatchedBecause).toBeNull();
    } finally {
      await embedding.close();
    }
  });
});
