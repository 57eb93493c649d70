import { Counter, Histogram, register } from 'prom-client';

/** Buckets fine enough to read p50/p95/p99 from 0.5 ms up to 10 s. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** Returns the metric already registered under `name`, or registers it (tests boot several apps per process). */
export function singleton<T>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

export const httpRequestDuration = (): Histogram<'method' | 'route' | 'status'> =>
  singleton(
    'shipyard_http_request_duration_seconds',
    () =>
      new Histogram({
        name: 'shipyard_http_request_duration_seconds',
        help: 'HTTP request latency by route template and status code',
        labelNames: ['method', 'route', 'status'],
        buckets: LATENCY_BUCKETS,
      }),
  );

export const httpErrors = (): Counter<'code' | 'status'> =>
  singleton(
    'shipyard_http_errors_total',
    () => new Counter({ name: 'shipyard_http_errors_total', help: 'Error responses by error code', labelNames: ['code', 'status'] }),
  );
