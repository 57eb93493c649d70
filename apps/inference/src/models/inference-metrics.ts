import { Counter, Gauge, Histogram } from 'prom-client';
import { singleton } from '@shipyard/observability';

/** Seconds, fine enough below a millisecond for p50/p95/p99 of a fast model. */
const SECONDS = [0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/** What the state gauge reads at scrape time: the model managers of this process (one, outside tests). */
interface ModelStates {
  list(): ReadonlyArray<{ name: string; state: string; current: unknown }>;
}
const watched = new Set<ModelStates>();

/** Reports `models` in `shipyard_inference_model_state` until the returned function is called. */
export function watchModelStates(models: ModelStates): () => void {
  watched.add(models);
  return () => watched.delete(models);
}

export const inferenceMetrics = () => ({
  latency: singleton('shipyard_inference_request_duration_seconds', () => new Histogram({ name: 'shipyard_inference_request_duration_seconds', help: 'Inference request latency, body decode to response encode', labelNames: ['model', 'version'], buckets: SECONDS })),
  queue: singleton('shipyard_inference_queue_duration_seconds', () => new Histogram({ name: 'shipyard_inference_queue_duration_seconds', help: 'Time a request waited for a worker (batching included)', labelNames: ['model', 'version'], buckets: SECONDS })),
  compute: singleton('shipyard_inference_compute_duration_seconds', () => new Histogram({ name: 'shipyard_inference_compute_duration_seconds', help: 'ONNX Runtime run() time of the batch a request ran in', labelNames: ['model', 'version'], buckets: SECONDS })),
  batchSize: singleton('shipyard_inference_batch_size', () => new Histogram({ name: 'shipyard_inference_batch_size', help: 'Rows in the batch each request ran in', labelNames: ['model'], buckets: BATCH })),
  inflight: singleton('shipyard_inference_inflight_requests', () => new Gauge({ name: 'shipyard_inference_inflight_requests', help: 'Inference requests being served', labelNames: ['model'] })),
  errors: singleton('shipyard_inference_errors_total', () => new Counter({ name: 'shipyard_inference_errors_total', help: 'Failed inference requests by HTTP status', labelNames: ['model', 'code'] })),
  modelState: singleton(
    'shipyard_inference_model_state',
    () =>
      new Gauge({
        name: 'shipyard_inference_model_state',
        help: 'Models this replica should serve, 1 for the state each is in: ready, loading or failed (failed to load, or withdrawn by the registry)',
        labelNames: ['model', 'state'],
        // With several processes (SHIPYARD_INFERENCE_PROCESSES) /metrics sums them; a state is 1 when any process is in it.
        aggregator: 'max',
        collect() {
          this.reset();
          for (const models of watched) for (const e of models.list()) this.labels(e.name, e.current ? 'ready' : e.state).set(1);
        },
      }),
  ),
  workerFailures: singleton('shipyard_inference_worker_failures_total', () => new Counter({ name: 'shipyard_inference_worker_failures_total', help: 'Model worker threads that died (each is replaced; the requests it held answered 503)', labelNames: ['model'] })),
  loads: singleton('shipyard_inference_model_loads_total', () => new Counter({ name: 'shipyard_inference_model_loads_total', help: 'Model loads (initial and swaps) by outcome', labelNames: ['model', 'outcome'] })),
});

export type InferenceMetrics = ReturnType<typeof inferenceMetrics>;
