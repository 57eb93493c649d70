import type { Worker } from 'node:worker_threads';
import { EngineClosedError, InferenceRunError, ModelLoadError } from './errors';
import type { ModelIo, NamedTensors } from './tensor';
import { startModelWorker } from './worker-entry';
import { FromWorker, preciseNow, ToWorker, transferable, WireTensor } from './worker-protocol';

export interface EngineOptions {
  /** Worker threads, each with its own ORT session. */
  workers: number;
  /** ORT intra-op threads per session. */
  intraOpThreads: number;
  /** Runs handed to one worker at a time; the next one waits in its port, so the worker never idles between runs. */
  maxInflightPerWorker?: number;
}

export interface TimedRun {
  outputs: NamedTensors;
  /** From run() until a worker started it (ms). */
  queueMs: number;
  /** ORT's run() inside the worker (ms). */
  computeMs: number;
}

interface Task {
  id: number;
  inputs: WireTensor[];
  submittedAt: number;
  resolve: (r: TimedRun) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  inflight: Map<number, Task>;
}

/**
 * One model served by a pool of worker threads. Work goes to the least busy worker, at most
 * `maxInflightPerWorker` each; the rest waits here in arrival order. Input buffers that a typed array
 * covers exactly are transferred, not copied: the caller must not reuse them after run().
 */
export class InferenceEngine {
  private readonly waiting: Task[] = [];
  private nextId = 1;
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;

  private constructor(
    readonly io: ModelIo,
    private readonly slots: Slot[],
    private readonly perWorker: number,
  ) {
    for (const slot of slots) {
      slot.worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg));
      slot.worker.on('error', (e) => this.onWorkerFailure(slot, e));
      slot.worker.on('exit', () => this.onWorkerFailure(slot, new Error('model worker exited')));
    }
  }

  static async load(modelPath: string, opts: EngineOptions): Promise<InferenceEngine> {
    const workers = Array.from({ length: Math.max(1, opts.workers) }, () => startModelWorker({ modelPath, intraOpThreads: Math.max(1, opts.intraOpThreads) }));
    const results = await Promise.allSettled(workers.map((w) => waitReady(w)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // No run has started in any of them, so terminating is safe here (and only here).
      await Promise.all(workers.map((w) => w.terminate()));
      throw failed.reason instanceof Error ? failed.reason : new ModelLoadError(String(failed.reason));
    }
    const io = (results[0] as PromiseFulfilledResult<ModelIo>).value;
    return new InferenceEngine(io, workers.map((worker) => ({ worker, inflight: new Map() })), Math.max(1, opts.maxInflightPerWorker ?? 4));
  }

  /** Runs handed to workers and waiting here. */
  get inflight(): number {
    return this.waiting.length + this.slots.reduce((n, s) => n + s.inflight.size, 0);
  }

  /** How many runs the workers hold at once; beyond this, work waits in the engine. */
  get capacity(): number {
    return this.slots.length * this.perWorker;
  }

  get workerCount(): number {
    return this.slots.length;
  }

  async run(inputs: NamedTensors): Promise<NamedTensors> {
    return (await this.runTimed(inputs)).outputs;
  }

  runTimed(inputs: NamedTensors): Promise<TimedRun> {
    if (this.closing) return Promise.reject(new EngineClosedError('the model was unloaded'));
    const wire: WireTensor[] = Object.entries(inputs).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: t.data }));
    return new Promise<TimedRun>((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, inputs: wire, submittedAt: preciseNow(), resolve, reject });
      this.dispatch();
    });
  }

  /** Stops taking work, lets every accepted run finish, then releases the sessions and ends the workers. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      if (this.inflight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      await Promise.all(this.slots.map((s) => closeWorker(s.worker)));
    })();
    return this.closing;
  }

  private dispatch(): void {
    while (this.waiting.length > 0) {
      let best: Slot | undefined;
      for (const s of this.slots) if (s.inflight.size < this.perWorker && (!best || s.inflight.size < best.inflight.size)) best = s;
      if (!best) return;
      const task = this.waiting.shift() as Task;
      best.inflight.set(task.id, task);
      const transfer = task.inputs.map((t) => transferable(t.data)).filter((b): b is ArrayBuffer => b !== null);
      const msg: ToWorker = { type: 'run', id: task.id, inputs: task.inputs };
      best.worker.postMessage(msg, transfer);
    }
  }

  private onMessage(slot: Slot, msg: FromWorker): void {
    if (msg.type !== 'result' && msg.type !== 'run-error') return;
    const task = slot.inflight.get(msg.id);
    if (!task) return;
    slot.inflight.delete(msg.id);
    const queueMs = Math.max(0, msg.startedAt - task.submittedAt);
    if (msg.type === 'result') {
      const outputs: NamedTensors = {};
      for (const o of msg.outputs) outputs[o.name] = { dtype: o.dtype, shape: o.shape, data: o.data };
      task.resolve({ outputs, queueMs, computeMs: msg.computeMs });
    } else {
      task.reject(new InferenceRunError(msg.message));
    }
    this.dispatch();
    if (this.closing && this.inflight === 0) this.drained?.();
  }

  private onWorkerFailure(slot: Slot, error: Error): void {
    if (!this.slots.includes(slot) || (this.closing && slot.inflight.size === 0)) return;
    // A worker that died takes its runs with it; the others keep serving.
    this.slots.splice(this.slots.indexOf(slot), 1);
    for (const task of slot.inflight.values()) task.reject(new InferenceRunError(`the model worker failed: ${error.message}`));
    slot.inflight.clear();
    if (this.slots.length === 0) for (const task of this.waiting.splice(0)) task.reject(new InferenceRunError('no model worker left'));
    else this.dispatch();
    if (this.closing && this.inflight === 0) this.drained?.();
  }
}

function waitReady(worker: Worker): Promise<ModelIo> {
  return new Promise<ModelIo>((resolve, reject) => {
    const onMessage = (msg: FromWorker) => {
      if (msg.type === 'ready') done(() => resolve(msg.io));
      else if (msg.type === 'load-error') done(() => reject(new ModelLoadError(msg.message)));
    };
    const onError = (e: Error) => done(() => reject(new ModelLoadError(`model worker failed to start: ${e.message}`)));
    const onExit = (code: number) => done(() => reject(new ModelLoadError(`model worker exited with code ${code} while loading`)));
    const done = (settle: () => void) => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      settle();
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
  });
}

function closeWorker(worker: Worker): Promise<void> {
  return new Promise<void>((resolve) => {
    worker.once('exit', () => resolve());
    const msg: ToWorker = { type: 'close' };
    worker.postMessage(msg);
  });
}
