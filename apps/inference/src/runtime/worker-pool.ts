import type { Worker } from 'node:worker_threads';
import { EngineClosedError, InferenceRunError, ModelLoadError, WorkerFailedError } from './errors';
import type { ModelIo, NamedTensors } from './tensor';
import { startModelWorker } from './worker-entry';
import { FromWorker, ModelWorkerData, preciseNow, ToWorker, transferable, WireTensor } from './worker-protocol';

export interface EngineOptions {
  /** Worker threads, each with its own ORT session. */
  workers: number;
  /** ORT intra-op threads per session. */
  intraOpThreads: number;
  /** Runs handed to one worker at a time; the next one waits in its port, so the worker never idles between runs. */
  maxInflightPerWorker?: number;
  /** Told when a worker dies and how its replacement fares (the service logs and counts these). */
  onWorkerEvent?: (event: WorkerEvent) => void;
  /** Starts one worker thread (tests wrap it to reach the threads). */
  startWorker?: (data: ModelWorkerData) => Worker;
  /** Wait before the second replacement within a minute; doubles for each further one, up to 30 s. The first is immediate. */
  replaceBackoffMs?: number;
}

export type WorkerEvent =
  | { type: 'failed'; error: Error; alive: number; runsLost: number }
  | { type: 'replaced'; alive: number }
  | { type: 'replace-failed'; error: Error; retryInMs: number };

const REPLACE_BACKOFF_MAX_MS = 30_000;
const FAILURE_WINDOW_MS = 60_000;

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
 *
 * A worker that dies fails the runs it held (`WorkerFailedError`; they are not handed to another worker,
 * since one of them may be what killed it) and is replaced by a new one on the same file: at once the
 * first time, then after a back-off when it keeps happening. While no worker is alive, runs fail at once
 * with the same error rather than wait for a load of unknown length.
 */
export class InferenceEngine {
  private readonly waiting: Task[] = [];
  private nextId = 1;
  private closing: Promise<void> | null = null;
  private drained: (() => void) | null = null;
  private readonly failures: number[] = [];
  private readonly replacing = new Set<Promise<void>>();
  private readonly replaceTimers = new Set<NodeJS.Timeout>();

  private constructor(
    readonly io: ModelIo,
    private readonly slots: Slot[],
    private readonly perWorker: number,
    private readonly workerData: ModelWorkerData,
    private readonly opts: EngineOptions,
  ) {
    for (const slot of slots) this.attach(slot);
  }

  static async load(modelPath: string, opts: EngineOptions): Promise<InferenceEngine> {
    const data: ModelWorkerData = { modelPath, intraOpThreads: Math.max(1, opts.intraOpThreads) };
    const start = opts.startWorker ?? startModelWorker;
    const workers = Array.from({ length: Math.max(1, opts.workers) }, () => start(data));
    const results = await Promise.allSettled(workers.map((w) => waitReady(w)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // No run has started in any of them, so terminating is safe here (and only here).
      await Promise.all(workers.map((w) => w.terminate()));
      throw failed.reason instanceof Error ? failed.reason : new ModelLoadError(String(failed.reason));
    }
    const io = (results[0] as PromiseFulfilledResult<ModelIo>).value;
    return new InferenceEngine(io, workers.map((worker) => ({ worker, inflight: new Map() })), Math.max(1, opts.maxInflightPerWorker ?? 4), data, opts);
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
    if (this.slots.length === 0) return Promise.reject(new WorkerFailedError('no model worker is running (the last one failed); a replacement is starting'));
    const wire: WireTensor[] = Object.entries(inputs).map(([name, t]) => ({ name, dtype: t.dtype, shape: t.shape, data: t.data }));
    return new Promise<TimedRun>((resolve, reject) => {
      this.waiting.push({ id: this.nextId++, inputs: wire, submittedAt: preciseNow(), resolve, reject });
      this.dispatch();
    });
  }

  /** Stops taking work, lets every accepted run finish, then releases the sessions and ends the workers. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      for (const t of this.replaceTimers) clearTimeout(t);
      this.replaceTimers.clear();
      if (this.inflight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      // A replacement loading now ends itself once it sees the engine closing.
      await Promise.all([...this.replacing]);
      await Promise.all(this.slots.map((s) => closeWorker(s.worker)));
    })();
    return this.closing;
  }

  private attach(slot: Slot): void {
    slot.worker.on('message', (msg: FromWorker) => this.onMessage(slot, msg));
    slot.worker.on('error', (e) => this.onWorkerFailure(slot, e));
    slot.worker.on('exit', (code) => this.onWorkerFailure(slot, new Error(`model worker exited (code ${code})`)));
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
    const runsLost = slot.inflight.size;
    for (const task of slot.inflight.values()) task.reject(new WorkerFailedError(`the model worker running this request failed (${error.message}); a replacement is starting`));
    slot.inflight.clear();
    if (this.slots.length === 0) for (const task of this.waiting.splice(0)) task.reject(new WorkerFailedError(`the model worker failed (${error.message}); a replacement is starting`));
    else this.dispatch();
    this.opts.onWorkerEvent?.({ type: 'failed', error, alive: this.slots.length, runsLost });
    if (this.closing) {
      if (this.inflight === 0) this.drained?.();
      return;
    }
    const now = Date.now();
    this.failures.push(now);
    while ((this.failures[0] ?? now) < now - FAILURE_WINDOW_MS) this.failures.shift();
    this.scheduleReplacement(this.failures.length - 1);
  }

  private backoffMs(attempt: number): number {
    return attempt <= 0 ? 0 : Math.min(REPLACE_BACKOFF_MAX_MS, (this.opts.replaceBackoffMs ?? 1000) * 2 ** (attempt - 1));
  }

  /** Starts a worker in place of a dead one after `attempt` earlier tries (0: now). */
  private scheduleReplacement(attempt: number): void {
    const timer = setTimeout(() => {
      this.replaceTimers.delete(timer);
      const replacing = this.replace(attempt).finally(() => this.replacing.delete(replacing));
      this.replacing.add(replacing);
    }, this.backoffMs(attempt));
    this.replaceTimers.add(timer);
  }

  private async replace(attempt: number): Promise<void> {
    if (this.closing) return;
    const worker = (this.opts.startWorker ?? startModelWorker)(this.workerData);
    try {
      await waitReady(worker);
    } catch (e) {
      await worker.terminate();
      if (this.closing) return;
      this.scheduleReplacement(attempt + 1);
      this.opts.onWorkerEvent?.({ type: 'replace-failed', error: e instanceof Error ? e : new Error(String(e)), retryInMs: this.backoffMs(attempt + 1) });
      return;
    }
    // No run has reached it yet, so ending it outright is safe.
    if (this.closing) return void (await worker.terminate());
    const slot: Slot = { worker, inflight: new Map() };
    this.attach(slot);
    this.slots.push(slot);
    this.opts.onWorkerEvent?.({ type: 'replaced', alive: this.slots.length });
    this.dispatch();
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
