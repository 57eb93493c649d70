import autocannon from 'autocannon';
import { Distribution, distribution, ratePerSecond } from './stats';

export interface CannonOptions {
  url: string;
  connections: number;
  durationS: number;
  headers?: Record<string, string>;
  /** POST with this body (the same bytes on every request); GET without one. */
  body?: string;
  /** Aborting stops the run early; what was measured so far comes back with `aborted: true`. */
  signal: AbortSignal;
}

/** autocannon's own figures, from its HDR histogram, which records whole milliseconds (truncated). */
export interface AutocannonLatency {
  p50: number;
  p97_5: number;
  p99: number;
  mean: number;
  max: number;
}

export interface CannonRun {
  url: string;
  connections: number;
  durationS: number;
  /** Wall time autocannon ran (s). */
  elapsedS: number;
  /** 2xx responses per second over the run. */
  okPerS: number | null;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Each 2xx response's time as autocannon took it (hrtime, sub-millisecond), in ms. */
  latencyMs: Distribution;
  /** autocannon's own histogram figures; null when another load generator (wrk) ran. */
  autocannonMs: AutocannonLatency | null;
  /** CPU time the generator process spent over the run (µs), when it runs as its own process (wrk); null otherwise. */
  generatorCpuUs: number | null;
  aborted: boolean;
}

/** One closed-loop autocannon run: `connections` keep-alive connections, one request in flight on each. */
export async function runCannon(opts: CannonOptions): Promise<CannonRun> {
  const url = new URL(opts.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`the benchmark only talks to 127.0.0.1, not ${url.hostname}`);
  const instance = autocannon({
    url: opts.url,
    connections: opts.connections,
    duration: opts.durationS,
    pipelining: 1,
    timeout: 10,
    ...(opts.headers ? { headers: opts.headers } : {}),
    ...(opts.body !== undefined ? { method: 'POST', body: opts.body } : {}),
  });
  // autocannon's histogram cannot tell 0.2 ms from 0.9 ms; keep the exact times for the percentiles.
  const times: number[] = [];
  instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
    if (statusCode >= 200 && statusCode < 300) times.push(responseTimeMs);
  });
  const stop = () => instance.stop();
  opts.signal.addEventListener('abort', stop, { once: true });
  if (opts.signal.aborted) stop();
  try {
    const r = await instance;
    return {
      url: opts.url,
      connections: opts.connections,
      durationS: opts.durationS,
      elapsedS: r.duration,
      okPerS: ratePerSecond(r['2xx'], r.duration * 1000),
      ok: r['2xx'],
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      latencyMs: distribution(times),
      autocannonMs: { p50: r.latency.p50, p97_5: r.latency.p97_5, p99: r.latency.p99, mean: r.latency.mean, max: r.latency.max },
      generatorCpuUs: null, // autocannon runs in this process: its CPU is the caller's
      aborted: opts.signal.aborted,
    };
  } finally {
    opts.signal.removeEventListener('abort', stop);
  }
}
