import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DTYPE_MODEL_TYPES, LOGISTIC_FEATURES, logisticModel, sampleRows, writeTestModel } from '../testing/test-models';
import { Worker as WorkerThread } from 'node:worker_threads';
import type { Worker } from 'node:worker_threads';
import { EngineClosedError, InferenceRunError, ModelLoadError, WorkerFailedError } from './errors';
import { allocate, NamedTensors, NumericData } from './tensor';
import { startModelWorker } from './worker-entry';
import { InferenceEngine, WorkerEvent } from './worker-pool';
import type { ModelWorkerData } from './worker-protocol';

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

  describe('when a model worker dies', () => {
    /**
     * A stand-in for a model worker with a bug: it says it is ready (with the logistic model's signature)
     * and dies of an uncaught error at the first run it is handed. (Ending a real worker from outside
     * while ONNX Runtime runs in it aborts the whole process, so a death must come from inside.)
     */
    const CRASHING_WORKER = `
      const { parentPort } = require('node:worker_threads');
      parentPort.postMessage({ type: 'ready', io: { inputs: [{ name: 'features', dtype: 'float32', shape: [-1, 16] }], outputs: [{ name: 'probability', dtype: 'float32', shape: [-1, 1] }] } });
      parentPort.on('message', (msg) => { if (msg.type === 'run') setImmediate(() => { throw new Error('bug in the worker'); }); else process.exit(0); });`;

    /**
     * Loads the logistic model on `workers` threads, the first `crashing` of them stand-ins that die at
     * their first run, and replacements started with `replaceWith(data)`; keeps every thread started and
     * every worker event.
     */
    const watched = async (workers: number, crashing: number, replaceWith: (data: ModelWorkerData) => ModelWorkerData = (d) => d) => {
      const threads: Worker[] = [];
      const events: WorkerEvent[] = [];
      const startWorker = (data: ModelWorkerData) => {
        const n = threads.length;
        const w = n < crashing ? new WorkerThread(CRASHING_WORKER, { eval: true }) : startModelWorker(n < workers ? data : replaceWith(data));
        threads.push(w);
        return w;
      };
      const engine = await InferenceEngine.load(writeTestModel(dir, 'logistic'), { workers, intraOpThreads: 1, startWorker, replaceBackoffMs: 50, onWorkerEvent: (e) => events.push(e) });
      engines.push(engine);
      return { engine, threads, events };
    };
    const exited = (w: Worker) => new Promise<void>((resolve) => (w.threadId === -1 ? resolve() : w.once('exit', () => resolve())));
    const until = async (what: string, done: () => boolean) => {
      for (let i = 0; i < 600 && !done(); i++) await new Promise((r) => setTimeout(r, 25));
      if (!done()) throw new Error(`still waiting for: ${what}`);
    };
    const reference = logisticModel();
    const expected = (seed: number) => reference.predict(sampleRows(1, LOGISTIC_FEATURES, seed), 1)[0] ?? NaN;

    it('fails the runs it held with WorkerFailedError (not the caller\'s fault), refuses runs while none is alive, and serves again from a replacement', async () => {
      const { engine, threads, events } = await watched(1, 1);
      const held = await Promise.allSettled([engine.run(features(1, 1)), engine.run(features(1, 2))]);
      for (const r of held) {
        expect(r.status).toBe('rejected');
        expect((r as PromiseRejectedResult).reason).toBeInstanceOf(WorkerFailedError);
        expect(String((r as PromiseRejectedResult).reason)).toMatch(/the model worker running this request failed \(bug in the worker\); a replacement is starting/);
      }
      expect(events[0]).toMatchObject({ type: 'failed', alive: 0, runsLost: 2 });
      if (engine.workerCount === 0) await expect(engine.run(features(1, 3))).rejects.toThrow(/no model worker is running/);
      await until('the replacement', () => engine.workerCount === 1);
      expect(threads).toHaveLength(2);
      expect(events.map((e) => e.type)).toEqual(['failed', 'replaced']);
      const out = await engine.run(features(1, 4));
      expect(Array.from(out.probability?.data as Float32Array)[0]).toBeCloseTo(expected(4), 5);
    });

    it('keeps serving from the other workers meanwhile: every run is answered right or failed as lost', async () => {
      const { engine, events } = await watched(2, 1);
      const settled = await Promise.all(Array.from({ length: 120 }, (_, i) => engine.run(features(1, 2000 + i)).then((out) => ({ i, out }), (e: unknown) => ({ i, e }))));
      const lost = settled.filter((r): r is { i: number; e: unknown } => 'e' in r);
      for (const r of lost) expect(r.e).toBeInstanceOf(WorkerFailedError);
      expect(lost.length).toBe((events[0] as Extract<WorkerEvent, { type: 'failed' }>).runsLost);
      expect(lost.length).toBeGreaterThan(0);
      expect(lost.length).toBeLessThanOrEqual(4); // what one worker holds at most
      for (const r of settled) if ('out' in r) expect(Array.from(r.out.probability?.data as Float32Array)[0]).toBeCloseTo(expected(2000 + r.i), 5);
      await until('the replacement', () => engine.workerCount === 2);
      const after = await Promise.all(Array.from({ length: 40 }, (_, i) => engine.run(features(1, 3000 + i))));
      after.forEach((out, i) => expect(Array.from(out.probability?.data as Float32Array)[0]).toBeCloseTo(expected(3000 + i), 5));
    });

    it('retries a replacement that cannot load with a growing back-off, and close() ends the attempts', async () => {
      const { engine, threads, events } = await watched(1, 1, (data) => ({ ...data, modelPath: join(dir, 'gone.onnx') }));
      await expect(engine.run(features(1, 1))).rejects.toBeInstanceOf(WorkerFailedError);
      await until('three failed replacements', () => events.filter((e) => e.type === 'replace-failed').length >= 3);
      expect(events[0]).toMatchObject({ type: 'failed', alive: 0 });
      const retries = events.filter((e): e is Extract<WorkerEvent, { type: 'replace-failed' }> => e.type === 'replace-failed');
      expect(retries.slice(0, 3).map((e) => e.retryInMs)).toEqual([50, 100, 200]);
      expect(retries[0]?.error).toBeInstanceOf(ModelLoadError);
      await expect(engine.run(features(1, 1))).rejects.toThrow(/no model worker is running/);
      await engine.close();
      const started = threads.length;
      await Promise.all(threads.map(exited));
      await new Promise((r) => setTimeout(r, 500));
      expect(threads).toHaveLength(started);
    });

    it('does not replace workers that end because the engine closed', async () => {
      const { engine, threads, events } = await watched(2, 0);
      await engine.run(features(2, 4));
      await engine.close();
      await Promise.all(threads.map(exited));
      expect(threads).toHaveLength(2);
      expect(events).toEqual([]);
    });
  });
});
