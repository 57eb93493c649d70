import type { Gauge, Histogram } from 'prom-client';
import { BatchedRun, DynamicBatcher } from '../runtime/batcher';
import type { ModelIo, NamedTensors } from '../runtime/tensor';
import type { InferenceEngine } from '../runtime/worker-pool';
import { InferenceMetrics } from './inference-metrics';

/** A loaded version of a model: engine, batcher and pre-bound metric children (no label lookups per request). */
export class ServedModel {
  private leases = 0;
  private retired: Promise<void> | null = null;
  private onIdle: (() => void) | null = null;
  private readonly latency: Histogram.Internal<'model' | 'version'>;
  private readonly queue: Histogram.Internal<'model' | 'version'>;
  private readonly compute: Histogram.Internal<'model' | 'version'>;
  private readonly batchSize: Histogram.Internal<'model'>;
  private readonly inflight: Gauge.Internal<'model'>;

  constructor(
    readonly name: string,
    readonly version: number,
    readonly sha256: string,
    readonly engine: InferenceEngine,
    private readonly batcher: DynamicBatcher,
    private readonly batchingConfigured: boolean,
    metrics: InferenceMetrics,
    readonly loadedAt = new Date(),
  ) {
    const v = String(version);
    this.latency = metrics.latency.labels(name, v);
    this.queue = metrics.queue.labels(name, v);
    this.compute = metrics.compute.labels(name, v);
    this.batchSize = metrics.batchSize.labels(name);
    this.inflight = metrics.inflight.labels(name);
  }

  get io(): ModelIo {
    return this.engine.io;
  }

  /** Whether requests are batched: configured so, and not turned off since (a model that is not row-wise). */
  get batching(): boolean {
    return this.batchingConfigured && this.batcher.notBatchedBecause === null;
  }

  get versionLabel(): string {
    return String(this.version);
  }

  /**
   * Runs one request. The lease is taken synchronously, before any await, so a swap that happens while
   * the request runs lets it finish here and closes this engine only after it.
   */
  async infer(inputs: NamedTensors): Promise<BatchedRun> {
    this.leases++;
    this.inflight.inc();
    try {
      const run = await this.batcher.submit(inputs);
      this.queue.observe(run.queueMs / 1000);
      this.compute.observe(run.computeMs / 1000);
      this.batchSize.observe(run.batchSize);
      return run;
    } finally {
      this.inflight.dec();
      if (--this.leases === 0) this.onIdle?.();
    }
  }

  observeLatency(seconds: number): void {
    this.latency.observe(seconds);
  }

  /** Called once it no longer takes new requests: waits for the ones it holds, then closes the engine. */
  retire(): Promise<void> {
    this.retired ??= (async () => {
      if (this.leases > 0) await new Promise<void>((resolve) => (this.onIdle = resolve));
      await this.engine.close();
    })();
    return this.retired;
  }
}
