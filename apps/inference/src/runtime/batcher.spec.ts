import { BatchedRun, BatchTarget, DynamicBatcher, supportsBatching } from './batcher';
import { InferenceRunError, WorkerFailedError } from './errors';
import { NamedTensors } from './tensor';
import { TimedRun } from './worker-pool';

/** A row-wise model double: y = 2x, recording the row count of every run. */
class DoublingTarget implements BatchTarget {
  readonly batches: number[] = [];
  private gates: Array<() => void> = [];
  constructor(
    readonly capacity = 2,
    private readonly gated = false,
    private readonly outputRows?: number,
  ) {}

  async runTimed(inputs: NamedTensors): Promise<TimedRun> {
    const x = inputs.x;
    if (!x) throw new Error('no x');
    this.batches.push(x.shape[0] ?? 0);
    if (this.gated) await new Promise<void>((resolve) => this.gates.push(resolve));
    const data = Float32Array.from(x.data as Float32Array, (v) => v * 2);
    const shape = this.outputRows === undefined ? x.shape : [this.outputRows, ...x.shape.slice(1)];
    return { outputs: { y: { dtype: 'float32', shape, data } }, queueMs: 0.5, computeMs: 1 };
  }

  release(): void {
    for (const g of this.gates.splice(0)) g();
  }
}

const rows = (values: number[][]): NamedTensors => ({ x: { dtype: 'float32', shape: [values.length, values[0]?.length ?? 0], data: Float32Array.from(values.flat()) } });
const yOf = (out: NamedTensors) => Array.from(out.y?.data as Float32Array);
const flushIo = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('DynamicBatcher', () => {
  it('concatenates requests of one I/O turn and gives each caller its own rows', async () => {
    const target = new DoublingTarget();
    const batcher = new DynamicBatcher(target, { enabled: true, maxBatchSize: 64, maxQueueDelayUs: 0 });
    const requests = [[[1, 1]], [[2, 2], [3, 3]], [[4, 4], [5, 5], [6, 6]]];
    const results = await Promise.all(requests.map((r) => batcher.submit(rows(r))));
    expect(target.batches).toEqual([6]);
    expect(results.map((r) => yOf(r.outputs))).toEqual([[2, 2], [4, 4, 6, 6], [8, 8, 10, 10, 12, 12]]);
    expect(results.map((r) => r.outputs.y?.shape)).toEqual([[1, 2], [2, 2], [3, 2]]);
    expect(results.every((r) => r.batchSize === 6)).toBe(true);
  });

  it('never exceeds maxBatchSize and never splits a request', async () => {
    const target = new DoublingTarget(8);
    const batcher = new DynamicBatcher(target, { enabled: true, maxBatchSize: 8, maxQueueDelayUs: 0 });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => batcher.submit(rows([[i], [i], [i]]))));
    expect(target.batches.every((b) => b <= 8 && b % 3 === 0)).toBe(true);
    expect(target.batches.reduce((a, b) => a + b, 0)).toBe(30);
    results.forEach((r, i) => expect(yOf(r.outputs)).toEqual([2 * i, 2 * i, 2 * i]));
  });

  it('runs requests alone when batching is off, when they fill a batch alone, or when shapes differ', async () => {
    const target = new DoublingTarget();
    const off = new DynamicBatcher(target, { enabled: false, maxBatchSize: 64, maxQueueDelayUs: 0 });
    await Promise.all([off.submit(rows([[1]])), off.submit(rows([[2]]))]);
    expect(target.batches).toEqual([1, 1]);
    const on = new DynamicBatcher(target, { enabled: true, maxBatchSize: 2, maxQueueDelayUs: 0 });
    await on.submit(rows([[1], [2], [3]]));
    expect(target.batches).toEqual([1, 1, 3]);
    const mixed = await Promise.all([on.submit(rows([[1, 1]])), on.submit(rows([[2, 2, 2]]))]);
    expect(target.batches).toEqual([1, 1, 3, 1, 1]);
    expect(mixed.map((r) => yOf(r.outputs))).toEqual([[2, 2], [4, 4, 4]]);
  });

  it('accumulates while every slot is busy and sends the backlog as soon as one frees', async () => {
    const target = new DoublingTarget(1, true);
    const batcher = new DynamicBatcher(target, { enabled: true, maxBatchSize: 64, maxQueueDelayUs: 0 });
    const first = batcher.submit(rows([[1]]));
    await flushIo();
    expect(target.batches).toEqual([1]);
    const later = [2, 3, 4, 5].map((v) => batcher.submit(rows([[v]])));
    await flushIo();
    expect(target.batches).toEqual([1]); // the only slot is busy: nothing more goes out
    target.release();
    await first;
    await flushIo();
    expect(target.batches).toEqual([1, 4]);
    target.release();
    expect((await Promise.all(later)).map((r) => yOf(r.outputs))).toEqual([[4], [6], [8], [10]]);
  });

  it('waits up to maxQueueDelayUs for company while a slot is free', async () => {
    jest.useFakeTimers();
    try {
      const target = new DoublingTarget();
      const batcher = new DynamicBatcher(target, { enabled: true, maxBatchSize: 64, maxQueueDelayUs: 5000 });
      const a = batcher.submit(rows([[1]]));
      jest.advanceTimersByTime(3);
      const b = batcher.submit(rows([[2]]));
      expect(target.batches).toEqual([]);
      jest.advanceTimersByTime(2);
      expect(target.batches).toEqual([2]);
      jest.useRealTimers();
      expect((await Promise.all([a, b])).map((r) => yOf(r.outputs))).toEqual([[2], [4]]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('runs each request of a refused batch again alone: only the one ORT refuses fails', async () => {
    // ORT refuses any run holding a negative value (as it refuses an index out of range in a Gather).
    const picky = new (class extends DoublingTarget {
      override async runTimed(inputs: NamedTensors): Promise<TimedRun> {
        if (Array.from(inputs.x?.data as Float32Array).some((v) => v < 0)) {
          this.batches.push(inputs.x?.shape[0] ?? 0);
          throw new InferenceRunError('negative value');
        }
        return super.runTimed(inputs);
      }
    })();
    const batcher = new DynamicBatcher(picky, { enabled: true, maxBatchSize: 64, maxQueueDelayUs: 0 });
    const results = await Promise.allSettled([batcher.submit(rows([[1]])), batcher.submit(rows([[-1]])), batcher.submit(rows([[2], [3]]))]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(yOf((results[0] as PromiseFulfilledResult<BatchedRun>).value.outputs)).toEqual([2]);
    expect((results[1] as PromiseRejectedResult).reason).toBeInstanceOf(InferenceRunError);
    expect(yOf((results[2] as PromiseFulfilledResult<BatchedRun>).value.outputs)).toEqual([4, 6]);
    expect(picky.batches).toEqual([4, 1, 1, 2]);
    expect(batcher.notBatchedBecause).toBeNull();
  });

  it('fails every caller of a batch when the engine fails (a dead worker), without running them again', async () => {
    const failing: BatchTarget = { capacity: 2, runTimed: jest.fn(() => Promise.reject(new WorkerFailedError('worker died'))) };
    const batcher = new DynamicBatcher(failing, { enabled: true, maxBatchSize: 64, maxQueueDelayUs: 0 });
    const results = await Promise.allSettled([batcher.submit(rows([[1]])), batcher.submit(rows([[2]]))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect((results[0] as PromiseRejectedResult).reason).toBeInstanceOf(WorkerFailedError);
    expect(failing.runTimed).toHaveBeenCalledTimes(1);
  });

  it('stops batching a model whose outputs are not row-wise, answering that batch request by request', async () => {
    const reducing = new DoublingTarget(2, false, 1); // always one output row
    const told: string[] = [];
    const batcher = new DynamicBatcher(reducing, { enabled: true, maxBatchSize: 64, maxQueueDelayUs: 0, onNotRowWise: (why) => told.push(why) });
    const first = await Promise.all([batcher.submit(rows([[1]])), batcher.submit(rows([[2]]))]);
    expect(first.map((r) => yOf(r.outputs))).toEqual([[2], [4]]);
    expect(batcher.notBatchedBecause).toBe('output y had 1 rows for a batch of 2 input rows');
    expect(told).toEqual(['output y had 1 rows for a batch of 2 input rows']);
    const later = await Promise.all([batcher.submit(rows([[3]])), batcher.submit(rows([[4]]))]);
    expect(later.map((r) => yOf(r.outputs))).toEqual([[6], [8]]);
    expect(reducing.batches).toEqual([2, 1, 1, 1, 1]);
  });

  it('batches only models whose every input and output has a dynamic first axis', () => {
    expect(supportsBatching({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 4] }], outputs: [{ name: 'y', dtype: 'float32', shape: [-1] }] })).toBe(true);
    expect(supportsBatching({ inputs: [{ name: 'x', dtype: 'float32', shape: [1, 4] }], outputs: [{ name: 'y', dtype: 'float32', shape: [-1] }] })).toBe(false);
    expect(supportsBatching({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 4] }], outputs: [{ name: 'y', dtype: 'float32', shape: [] }] })).toBe(false);
  });
});
