import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CannonOptions, CannonRun } from './cannon';
import { waitedChildrenCpuUs } from './proc-cpu';
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
    const args = ['-t', String(t), '-c', String(opts.connections), '-d', `${opts.durationS}s`, '--timeout', '10s', '-s', file, opts.url];
    const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
      // Through sh, which reports the CPU of the children it waited for (cutime, cstime): wrk's own share
      // of the cores. sh ignores SIGINT; wrk stops on it and prints its summary. Its own process group,
      // so an abort reaches both.
      const child = spawn('sh', ['-c', `trap '' INT; wrk "$@"; s=$?; cat /proc/$$/stat >&2 2>/dev/null; exit $s`, 'sh', ...args], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      let errOut = '';
      child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      child.stderr.setEncoding('utf8').on('data', (c: string) => (errOut += c));
      child.once('error', (e) => reject(new Error(`wrk failed: ${e.message}`)));
      child.once('close', (code) => {
        if (code !== 0 && !opts.signal.aborted) reject(new Error(`wrk failed (exit ${code}): ${errOut}`));
        else resolve({ stdout: out, stderr: errOut });
      });
      const stop = () => {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGINT');
      };
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
      // Not for an interrupted run: one stopped mid-way once reported no CPU at all (not understood).
      generatorCpuUs: opts.signal.aborted ? null : childrenCpuUs(stderr),
      aborted: opts.signal.aborted,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** cutime + cstime (µs) from the /proc/<pid>/stat line sh printed last; null without /proc. */
export function childrenCpuUs(stderr: string): number | null {
  return waitedChildrenCpuUs(stderr.trim().split('\n').pop() ?? '');
}
