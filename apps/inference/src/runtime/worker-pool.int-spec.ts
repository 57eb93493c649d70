import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DTYPE_MODEL_TYPES, LOGISTIC_FEATURES, logisticModel, sampleRows, writeTestModel } from '../testing/test-models';
import { EngineClosedError, InferenceRunError, ModelLoadError } from './errors';
import { allocate, NamedTensors, NumericData } from './tensor';
import { InferenceEngine } from './worker-pool';

const dir = mkdtempSync(join(tmpdir(), 'shipyard-engine-'));
const engines: InferenceEngine[] = [];
const load = async (name: Parameters<typeof writeTestModel>[1], workers = 1) => {
  const engine = await InferenceEngine.load(writeTestModel(dir, name), { workers, intraOpThreads: 1 });
  engines.push(engine);
  return engine;
};

afterAll(async () => {
  await Promise.all(engines.map((e) => e.close()));
  rmSync(dir, { recursive: true, force: true });
});

const features = (n: number, seed: number): NamedTensors => ({ features: { dtype: 'float32', shape: [n, LOGISTIC_FEATURES], data: sampleRows(n, LOGISTIC_FEATURES, seed) } });

describe('InferenceEngine (ORT sessions in worker threads)', () => {
  it('reads the signature from the session and computes what the reference computes', async () => {
    const engine = await load('logistic', 2);
    expect(engine.io).toEqual({ inputs: [{ name: 'features', dtype: 'float32', shape: [-1, 16] }], outputs: [{ name: 'probability', dtype: 'float32', shape: [-1, 1] }] });
    const rows = sampleRows(5, LOGISTIC_FEATURES, 3);
    const timed = await engine.runTimed({ features: { dtype: 'float32', shape: [5, 16], data: rows.slice() } });
    expect(timed.outputs.probability?.shape).toEqual([5, 1]);
    const expected = logisticModel().predict(rows, 5);
    Array.from(timed.outputs.probability?.data as Float32Array).forEach((p, i) => expect(p).toBeCloseTo(expected[i] ?? NaN, 5));
    expect(timed.queueMs).toBeGreaterThanOrEqual(0);
    expect(timed.computeMs).toBeGreaterThan(0);
  });

  it('gives each of 200 concurrent callers its own answer across two workers', async () => {
    const engine = await load('logistic', 2);
    const reference = logisticModel();
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => engine.run(features(1 + (i % 4), 1000 + i))));
    answers.forEach((out, i) => {
      const n = 1 + (i % 4);
      const expected = reference.predict(sampleRows(n, LOGISTIC_FEATURES, 1000 + i), n);
      const got = Array.from(out.probability?.data as Float32Array);
      expect(got).toHaveLength(n);
      got.forEach((p, r) => expect(Math.abs(p - (expected[r] ?? NaN))).toBeLessThan(1e-6));
    });
  });

  it('moves every numeric and bool datatype both ways (Identity back, Cast to FP64)', async () => {
    const engine = await load('dtypes');
    const inputs: NamedTensors = {};
    const values: Record<string, number[]> = {};
    for (const t of DTYPE_MODEL_TYPES) {
      const v = t === 'bool' ? [1, 0, 1, 0, 0, 1] : t.startsWith('u') ? [0, 1, 2, 100, 200, 7] : [-3, -1, 0, 1, 2, 100];
      values[t] = v;
      const data = allocate(t, 6) as NumericData;
      v.forEach((x, i) => (data[i] = (data instanceof BigInt64Array || data instanceof BigUint64Array ? BigInt(x) : x) as number));
      inputs[`in_${t}`] = { dtype: t, shape: [2, 3], data };
    }
    const out = await engine.run(inputs);
    for (const t of DTYPE_MODEL_TYPES) {
      expect(out[`out_${t}`]?.dtype).toBe(t);
      expect(out[`out_${t}`]?.shape).toEqual([2, 3]);
      expect(Array.from(out[`out_${t}`]?.data as NumericData, Number)).toEqual(values[t]);
      expect(Array.from(out[`f64_${t}`]?.data as Float64Array)).toEqual(values[t]);
    }
  });

  it('runs string tensors', async () => {
    const engine = await load('strings');
    expect(engine.io.inputs).toEqual([{ name: 'text', dtype: 'string', shape: [-1] }]);
    const out = await engine.run({ text: { dtype: 'string', shape: [3], data: ['abc', 'Hello World', ''] } });
    expect(out.upper?.data).toEqual(['ABC', 'HELLO WORLD', '']);
    expect(out.echo?.data).toEqual(['abc', 'Hello World', '']);
  });

  it('reports a file that is not ONNX as a load error', async () => {
    const bad = join(dir, 'bad.onnx');
    writeFileSync(bad, 'this is not a model');
    await expect(InferenceEngine.load(bad, { workers: 2, intraOpThreads: 1 })).rejects.toBeInstanceOf(ModelLoadError);
  });

  it('turns a run ORT refuses into InferenceRunError and keeps serving', async () => {
    const engine = await load('logistic');
    await expect(engine.run({ features: { dtype: 'float32', shape: [1, 3], data: new Float32Array(3) } })).rejects.toBeInstanceOf(InferenceRunError);
    await expect(engine.run(features(1, 9))).resolves.toHaveProperty('probability');
  });

  it('keeps the main event loop free during a long run, and drains it on close before refusing work', async () => {
    const engine = await InferenceEngine.load(writeTestModel(dir, 'big'), { workers: 1, intraOpThreads: 1 });
    const order: string[] = [];
    const long = engine.run({ input: { dtype: 'float32', shape: [1, 64], data: sampleRows(1, 64) } }).then((out) => {
      order.push('inference');
      return out;
    });
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
    order.push('timer');
    const closed = engine.close().then(() => order.push('closed'));
    await expect(engine.run({ input: { dtype: 'float32', shape: [1, 64], data: sampleRows(1, 64) } })).rejects.toBeInstanceOf(EngineClosedError);
    expect((await long).scores?.shape).toEqual([1, 4]);
    await closed;
    expect(order).toEqual(['timer', 'inference', 'closed']);
  });
});
