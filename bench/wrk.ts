import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CannonOptions, CannonRun } from './cannon';
import { ratePerSecond } from './stats';

/**
 * wrk (C, one event loop per thread) as the load generator: on 2 shared cores autocannon (JavaScript)
 * takes about as much CPU as the server it measures, so every server figure is capped by it. wrk's own
 * share is a fraction of that. Percentiles come from wrk's HDR histogram (µs resolution) through a Lua
 * `done` hook that prints one JSON line.
 */
export function wrkAvailable(): boolean {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  return r.error === undefined && `${r.stdout}${r.stderr}`.includes('wrk');
}

/** Lua long-bracket literal that cannot be closed early by the text itself. */
function luaString(text: string): string {
  let level = 1;
  while (text.includes(']' + '='.repeat(level) + ']')) level++;
  const eq = '='.repeat(level);
  return `[${eq}[${text}]${eq}]`;
}

function script(opts: CannonOptions): string {
  const lines = [
    opts.body !== undefined ? `wrk.method = "POST"\nwrk.body = ${luaString(opts.body)}` : 'wrk.method = "GET"',
    ...Object.entries(opts.headers ?? {}).map(([k, v]) => `wrk.headers[ ${luaString(k)} ] = ${luaString(v)}`),
    'done = function(summary, latency, requests)',
    '  local e = summary.errors',
    '  io.write(string.format(\'\\nWRK_JSON {"requests":%d,"duration_us":%d,"status":%d,"connect":%d,"read":%d,"write":%d,"timeout":%d,"min":%d,"mean":%f,"p50":%d,"p95":%d,"p99":%d,"max":%d}\\n\',',
    '    summary.requests, summary.duration, e.status, e.connect, e.read, e.write, e.timeout,',
    '    latency.min, latency.mean, latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))',
    'end',
  ];
  return lines.join('\n') + '\n';
}

interface WrkJson {
  requests: number;
  duration_us: number;
  status: number;
  connect: number;
  read: number;
  write: number;
  timeout: number;
  min: number;
  mean: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

/** One closed-loop wrk run (`connections` keep-alive connections, one request in flight on each). */
export async function runWrk(opts: CannonOptions, threads = 1): Promise<CannonRun> {
  const url = new URL(opts.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`the benchmark only talks to 127.0.0.1, not ${url.hostname}`);
  const dir = mkdtempSync(join(tmpdir(), 'shipyard-wrk-'));
  const file = join(dir, 'request.lua');
  writeFileSync(file, script(opts), { mode: 0o600 });
  const t = Math.max(1, Math.min(threads, opts.connections));
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      const child = execFile('wrk', ['-t', String(t), '-c', String(opts.connections), '-d', `${opts.durationS}s`, '--timeout', '10s', '-s', file, opts.url], { maxBuffer: 1 << 20 }, (err, out, errOut) => {
        if (err && !opts.signal.aborted) reject(new Error(`wrk failed: ${err.message} ${errOut}`));
        else resolve(out);
      });
      const stop = () => child.kill('SIGINT');
      opts.signal.addEventListener('abort', stop, { once: true });
      child.once('exit', () => opts.signal.removeEventListener('abort', stop));
    });
    const line = stdout.split('\n').find((l) => l.startsWith('WRK_JSON '));
    if (!line) throw new Error(`wrk printed no summary:\n${stdout}`);
    const j = JSON.parse(line.slice('WRK_JSON '.length)) as WrkJson;
    const errors = j.connect + j.read + j.write;
    const ok = j.requests - j.status;
    const us = (v: number) => v / 1000;
    return {
      url: opts.url,
      connections: opts.connections,
      durationS: opts.durationS,
      elapsedS: j.duration_us / 1e6,
      okPerS: ratePerSecond(ok, j.duration_us / 1000),
      ok,
      non2xx: j.status,
      errors,
      timeouts: j.timeout,
      // wrk's histogram covers every completed request (2xx or not); failures are counted beside it.
      latencyMs: { count: j.requests, min: us(j.min), mean: us(j.mean), p50: us(j.p50), p95: us(j.p95), p99: us(j.p99), max: us(j.max) },
      autocannonMs: null,
      aborted: opts.signal.aborted,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
