import { InferenceRunError } from './errors';
import type { ModelIo, NamedTensors } from './tensor';
import { concatRows, rowsOf, sliceRows } from './tensor-ops';
import type { TimedRun } from './worker-pool';

/** What the batcher needs from an engine (InferenceEngine, or a double in unit tests). */
export interface BatchTarget {
  runTimed(inputs: NamedTensors): Promise<TimedRun>;
  /** Runs the engine holds at once; the batcher keeps at most this many batches in flight. */
  readonly capacity: number;
}

export interface BatchingOptions {
  enabled: boolean;
  /** Most rows in one batch (Triton's max_batch_size). */
  maxBatchSize: number;
  /**
   * Longest a request waits for company while a worker is free (Triton's max_queue_delay_microseconds).
   * Timers tick in whole milliseconds; below 1000 µs the batch closes at the end of the current I/O turn.
   */
  maxQueueDelayUs: number;
  /** Told once, when a batch shows that the model's outputs are not row-wise and batching stops for it. */
  onNotRowWise?: (why: string) => void;
}

export interface BatchedRun extends TimedRun {
  /** Rows in the batch this request ran in. */
  batchSize: number;
}

interface Pending {
  inputs: NamedTensors;
  rows: number;
  key: string;
  resolve: (r: BatchedRun) => void;
  reject: (e: Error) => void;
}

/** Batching needs every input and output to have a dynamic first axis (the batch axis). */
export function supportsBatching(io: ModelIo): boolean {
  return [...io.inputs, ...io.outputs].every((s) => s.shape.length > 0 && s.shape[0] === -1);
}

/** A batch's outputs do not have one row per input row: the model mixes rows, and cannot be batched. */
class NotRowWise extends Error {}

/**
 * Triton-style dynamic batching for one model: concurrent requests are concatenated along axis 0,
 * run once, and each caller gets back its own rows. While every engine slot is busy, requests
 * accumulate and go out together as soon as one frees up; with a slot free, a batch waits at most
 * maxQueueDelayUs. Requests only share a batch when their inputs agree on names, dtypes and inner shapes.
 *
 * One caller's input never fails another's: when ONNX Runtime refuses a batch of several requests (a
 * value only some of them hold, such as an index out of range), each is run again alone and gets its
 * own answer or error. A model whose outputs turn out not to have one row per input row is not batched
 * any more (`notBatchedBecause`), and that batch's requests run alone too.
 */
export class DynamicBatcher {
  private pending: Pending[] = [];
  private pendingRows = 0;
  private inflightBatches = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | null = null;
  private notRowWise: string | null = null;

  constructor(
    private readonly target: BatchTarget,
    private readonly opts: BatchingOptions,
  ) {}

  get queued(): number {
    return this.pending.length;
  }

  /** Why batching was turned off for this model after it was loaded, or null. */
  get notBatchedBecause(): string | null {
    return this.notRowWise;
  }

  submit(inputs: NamedTensors): Promise<BatchedRun> {
    const key = batchKey(inputs);
    const rows = key === null ? 0 : rowsOfAll(inputs);
    if (!this.opts.enabled || this.notRowWise !== null || key === null || rows >= this.opts.maxBatchSize) return this.direct(inputs, rows);
    return new Promise<BatchedRun>((resolve, reject) => {
      if (this.pending.length > 0 && this.pending[0]?.key !== key) this.flush();
      this.pending.push({ inputs, rows, key, resolve, reject });
      this.pendingRows += rows;
      if (this.pendingRows >= this.opts.maxBatchSize) this.flush();
      else this.schedule();
    });
  }

  private async direct(inputs: NamedTensors, rows: number): Promise<BatchedRun> {
    const run = await this.target.runTimed(inputs);
    return { ...run, batchSize: rows };
  }

  private schedule(): void {
    if (this.timer || this.inflightBatches >= this.target.capacity) return; // a finishing batch flushes
    const us = this.opts.maxQueueDelayUs;
    this.timer = us < 1000 ? setImmediate(() => this.onTimer()) : setTimeout(() => this.onTimer(), Math.round(us / 1000));
  }

  private onTimer(): void {
    this.timer = null;
    this.flush();
  }

  private clearTimer(): void {
    if (!this.timer) return;
    if ('hasRef' in this.timer && 'refresh' in this.timer) clearTimeout(this.timer);
    else clearImmediate(this.timer);
    this.timer = null;
  }

  /** Sends what is pending, as one or more batches of at most maxBatchSize rows (requests are never split). */
  private flush(): void {
    this.clearTimer();
    while (this.pending.length > 0) {
      const batch: Pending[] = [];
      let rows = 0;
      while (this.pending.length > 0 && (batch.length === 0 || rows + (this.pending[0]?.rows ?? 0) <= this.opts.maxBatchSize)) {
        const p = this.pending.shift() as Pending;
        batch.push(p);
        rows += p.rows;
      }
      this.pendingRows -= rows;
      void this.runBatch(batch, rows);
    }
  }

  private async runBatch(batch: Pending[], rows: number): Promise<void> {
    this.inflightBatches++;
    try {
      const first = batch[0] as Pending;
      const inputs: NamedTensors = {};
      for (const name of Object.keys(first.inputs)) inputs[name] = concatRows(batch.map((p) => p.inputs[name] as NamedTensors[string]));
      const run = await this.target.runTimed(inputs);
      let offset = 0;
      const split = batch.map((p) => {
        const outputs: NamedTensors = {};
        // A batch of one is the request as it came: its outputs are its own, whatever their shape.
        for (const [name, t] of Object.entries(run.outputs)) {
          if (batch.length === 1) outputs[name] = t;
          else if (rowsOf(t) === rows) outputs[name] = sliceRows(t, offset, p.rows);
          else throw new NotRowWise(`output ${name} had ${rowsOf(t)} rows for a batch of ${rows} input rows`);
        }
        offset += p.rows;
        return outputs;
      });
      batch.forEach((p, i) => p.resolve({ outputs: split[i] as NamedTensors, queueMs: run.queueMs, computeMs: run.computeMs, batchSize: rows }));
    } catch (e) {
      if (e instanceof NotRowWise && this.notRowWise === null) {
        this.notRowWise = e.message;
        this.opts.onNotRowWise?.(e.message);
      }
      if (batch.length > 1 && (e instanceof NotRowWise || e instanceof InferenceRunError)) {
        // Each request on its own: the one ORT refuses fails, the others are answered.
        for (const p of batch) this.direct(p.inputs, p.rows).then(p.resolve, p.reject);
      } else {
        for (const p of batch) p.reject(e instanceof Error ? e : new Error(String(e)));
      }
    } finally {
      this.inflightBatches--;
      if (this.pending.length > 0) this.flush();
    }
  }
}

/** Requests batch together when this matches; null when the inputs disagree on their row count. */
function batchKey(inputs: NamedTensors): string | null {
  const names = Object.keys(inputs).sort();
  let rows: number | null = null;
  const parts: string[] = [];
  for (const name of names) {
    const t = inputs[name] as NamedTensors[string];
    if (t.shape.length === 0) return null;
    const r = rowsOf(t);
    if (rows !== null && r !== rows) return null;
    rows = r;
    parts.push(`${name}:${t.dtype}:${t.shape.slice(1).join('x')}`);
  }
  return parts.join('|');
}

function rowsOfAll(inputs: NamedTensors): number {
  const first = Object.values(inputs)[0];
  return first ? rowsOf(first) : 0;
}
