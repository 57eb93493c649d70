/**
 * Serving throughput and latency of the logistic (16 features) and MLP (64→256→256→10) test models, one
 * row per OIP v2 infer request, closed loop with wrk (or autocannon) at each connection count:
 *   (a) baseline: a bare fastify + onnxruntime-node server (bench/inference-baseline.ts, its own process);
 *   (b) the inference service directly (dynamic batching on, the default);
 *   (c) the same through the api-gateway with a predict-only API key;
 *   (d) an inference replica with SHIPYARD_INFERENCE_BATCHING=false, directly.
 * Then, per model, an open-loop phase: (a), (b) and (c) at fixed arrival rates (fractions of (a)'s closed-loop
 * req/s) over 100 connections, latency counted from each request's scheduled send (coordinated omission
 * corrected, as wrk2 does). A calibration figure (fastify hello-world) comes first, to compare runs.
 * Every figure is printed next to (a) from the same run, with the CPU time each serving process spent per
 * request (whole process and its event-loop thread, from /proc on Linux). The gateway's per-principal rate limit is raised
 * so that it never answers 429 here. Run with `npm run bench:inference [-- --duration 5 --connections 1,16,64,100,128]`.
 */
import { ChildProcess, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { get as httpGet } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { childProcessesOf, repoRoot, TestStack } from '@shipyard/testing';
import { LOGISTIC_FEATURES, MLP_LAYERS, sampleRows, TEST_MODELS, writeTestModel } from '../apps/inference/src/testing/test-models';
import { CannonOptions, CannonRun, runCannon } from './cannon';
import { fineMs } from './gateway-hop-report';
import { describeMachine, machineLine } from './machine';
import { parseFlags, positive, positiveIntegers, UsageError } from './options';
import { runBench } from './run';
import { perS, renderTable, writeJson } from './report';
import { stopStack, terminateChildProcesses } from './stack-control';
import { runWrk, wrkAvailable } from './wrk';
import { cpuOf, cpuOfAll, perRequest } from './proc-cpu';
import { OpenLoopRun, runOpenLoop } from './open-loop';

const log = (line = '') => process.stdout.write(line + '\n');

const USAGE = `usage: npm run bench:inference -- [--duration <s>] [--connections <c1,c2,...>] [--generator wrk|autocannon] [--open-connections <n>] [--open-fractions <f1,f2,...>] [--processes <n>] [--gateway-processes <n>] [--out <path>]
  env: BENCH_DURATION_S (default 5), BENCH_CONNECTIONS (default 1,16,64,100,128), BENCH_GENERATOR (default wrk when on PATH),
       BENCH_OPEN_CONNECTIONS (default 100), BENCH_OPEN_FRACTIONS (default 0.1,0.25,0.5), BENCH_OUT (default tmp/bench/inference.json)
  The open-loop phase offers, over --open-connections connections, each fraction × the baseline's closed-loop
  req/s at that connection count (or at the nearest one measured), to (a), (b) and (c) alike.`;

type ModelName = 'logistic' | 'mlp';
const MODELS: ReadonlyArray<{ name: ModelName; input: string; width: number }> = [
  { name: 'logistic', input: 'features', width: LOGISTIC_FEATURES },
  { name: 'mlp', input: 'input', width: MLP_LAYERS[0] },
];
const VARIANTS = ['a baseline', 'b direct', 'c gateway', 'd no batching'] as const;
type VariantName = (typeof VARIANTS)[number];

interface ProcessCpu {
  process: string;
  /** CPU time per answered request over the cell (µs): the whole process, and its main (event-loop) thread. */
  totalUs: number;
  mainThreadUs: number;
}

interface Measurement {
  model: ModelName;
  variant: VariantName;
  run: CannonRun;
  cpu: ProcessCpu[];
}

/** One fixed-rate run: latency from each request's scheduled time, so a stall counts for every request it delays. */
interface OpenMeasurement {
  model: ModelName;
  variant: VariantName;
  /** Of (a)'s closed-loop req/s. */
  fraction: number;
  run: OpenLoopRun;
  cpu: ProcessCpu[];
}

const OPEN_VARIANTS: readonly VariantName[] = ['a baseline', 'b direct', 'c gateway'];

function cpuText(cpu: readonly ProcessCpu[]): string {
  return cpu.map((c) => `${c.process} ${c.totalUs.toFixed(0)} (main ${c.mainThreadUs.toFixed(0)})`).join(', ') || '-';
}

/** The baseline server process; resolves with its port once it has loaded the models. */
async function startBaseline(files: Record<ModelName, string>): Promise<{ proc: ChildProcess; url: string }> {
  const root = repoRoot();
  const proc = fork(join(__dirname, 'inference-baseline.js'), Object.entries(files).map(([n, p]) => `${n}=${p}`), { cwd: root, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const port = await new Promise<number>((res, rej) => {
    const timer = setTimeout(() => rej(new Error('the baseline server did not start within 15 s')), 15_000);
    proc.on('message', (m: { type?: string; port?: number }) => {
      if (m.type === 'ready' && typeof m.port === 'number') {
        clearTimeout(timer);
        res(m.port);
      }
    });
    proc.once('exit', (code) => rej(new Error(`the baseline server exited (code ${code})`)));
  });
  return { proc, url: `http://127.0.0.1:${port}` };
}

async function call(url: string, method: string, path: string, token: string | null, body?: unknown, raw?: Uint8Array): Promise<{ status: number; body: Record<string, unknown> }> {
  const headers: Record<string, string> = { ...(token ? { authorization: `Bearer ${token}` } : {}), 'content-type': raw ? 'application/octet-stream' : 'application/json' };
  const res = await fetch(url + path, { method, headers, ...(raw ? { body: raw } : body !== undefined ? { body: JSON.stringify(body) } : {}), signal: AbortSignal.timeout(60_000) });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

/** Registers the test model as version 1 through the gateway and serves it on the stack's inference service. */
async function registerAndDeploy(gateway: string, admin: string, name: ModelName): Promise<void> {
  const must = (what: string, r: { status: number; body: unknown }, status: number) => {
    if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
  };
  must(`create ${name}`, await call(gateway, 'POST', '/api/v1/models', admin, { name }), 201);
  must(`version ${name}`, await call(gateway, 'POST', `/api/v1/models/${name}/versions`, admin, { framework: 'onnx' }), 201);
  must(`upload ${name}`, await call(gateway, 'PUT', `/api/v1/models/${name}/versions/1/artifact`, admin, undefined, TEST_MODELS[name]().bytes), 200);
  must(`deploy ${name}`, await call(gateway, 'POST', '/api/v1/inference/models', admin, { model: name, version: 1 }), 201);
}

/**
 * A deployment reaches the other serving processes by its event: wait until requests on new connections
 * (each handed to the next process) all find every model.
 */
async function everyProcessServes(url: string, processCount: number): Promise<void> {
  const until = Date.now() + 60_000;
  for (;;) {
    const answers = await Promise.all(MODELS.flatMap((m) => Array.from({ length: 2 * processCount }, () => statusOnNewConnection(`${url}/v2/models/${m.name}/ready`))));
    if (answers.every((s) => s === 200)) return;
    if (Date.now() > until) throw new Error(`not every inference process serves ${MODELS.map((m) => m.name).join(', ')} after 60 s`);
    await sleep(200);
  }
}

function statusOnNewConnection(url: string): Promise<number> {
  return new Promise((resolve) => {
    const req = httpGet(url, { agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', () => resolve(0));
  });
}

function outputsOf(body: Record<string, unknown>): number[] {
  const outputs = body.outputs as Array<{ data: number[] }> | undefined;
  return outputs?.[0]?.data ?? [];
}

function ratio(a: number | null, b: number | null): string {
  return a === null || b === null || b === 0 ? '-' : `${(a / b).toFixed(2)}x`;
}

function table(all: readonly Measurement[]): string {
  const rows = all.map((m) => {
    const base = all.find((b) => b.model === m.model && b.variant === 'a baseline' && b.run.connections === m.run.connections);
    const l = m.run.latencyMs;
    return [
      `${m.model} ${m.variant}${m.run.aborted ? ' (interrupted)' : ''}`,
      String(m.run.connections),
      perS(m.run.okPerS),
      fineMs(l.p50),
      fineMs(l.p95),
      fineMs(l.p99),
      m.variant === 'a baseline' ? 'baseline' : ratio(m.run.okPerS, base?.run.okPerS ?? null),
      m.variant === 'a baseline' ? '' : ratio(l.p99, base?.run.latencyMs.p99 ?? null),
      String(m.run.non2xx + m.run.errors),
      cpuText(m.cpu),
    ];
  });
  return renderTable(['model / variant', 'conns', 'req/s', 'p50', 'p95', 'p99', 'req/s vs (a)', 'p99 vs (a)', 'failed', 'CPU µs per request (main thread)'], rows);
}

function openTable(all: readonly OpenMeasurement[]): string {
  const rows = all.map((m) => {
    const r = m.run;
    return [
      `${m.model} ${m.variant}${r.aborted ? ' (interrupted)' : ''}`,
      String(r.connections),
      `${m.fraction}x (a)`,
      perS(r.offeredPerS),
      perS(r.okPerS),
      fineMs(r.latencyMs.p50),
      fineMs(r.latencyMs.p95),
      fineMs(r.latencyMs.p99),
      fineMs(r.latencyMs.max),
      fineMs(r.serviceLatencyMs.p99),
      String(r.non2xx + r.errors + r.unfinished),
      cpuText(m.cpu),
    ];
  });
  return renderTable(['model / variant', 'conns', 'rate', 'offered/s', 'ok/s', 'p50', 'p95', 'p99', 'max', 'p99 from send', 'failed', 'CPU µs per request (main thread)'], rows);
}

/** The baseline's closed-loop req/s at `connections`, or at the nearest connection count measured. */
function baselineRate(all: readonly Measurement[], model: ModelName, connections: number): number | null {
  const base = all.filter((m) => m.model === model && m.variant === 'a baseline' && m.run.okPerS !== null);
  base.sort((x, y) => Math.abs(x.run.connections - connections) - Math.abs(y.run.connections - connections));
  return base[0]?.run.okPerS ?? null;
}

/** The goals of issue #8, each judged from this run's figures. */
function goals(all: readonly Measurement[], open: readonly OpenMeasurement[]): string[] {
  const at = (model: ModelName, variant: VariantName, c: number) => all.find((m) => m.model === model && m.variant === variant && m.run.connections === c)?.run ?? null;
  const best = (model: ModelName, variant: VariantName) => all.filter((m) => m.model === model && m.variant === variant).reduce<CannonRun | null>((b, m) => ((m.run.okPerS ?? 0) > (b?.okPerS ?? -1) ? m.run : b), null);
  const lines: string[] = [];
  const bBest = best('logistic', 'b direct');
  const aSame = bBest ? at('logistic', 'a baseline', bBest.connections) : null;
  lines.push(`(b) logistic ≥ 10,000 req/s and ≥ 0.8x (a): best ${perS(bBest?.okPerS ?? null)} req/s at c=${bBest?.connections ?? '-'}, ${ratio(bBest?.okPerS ?? null, aSame?.okPerS ?? null)} of (a) there`);
  for (const model of ['logistic', 'mlp'] as const) {
    const c = at(model, 'c gateway', 100);
    const a = at(model, 'a baseline', 100);
    lines.push(`(c) ${model} ≥ 0.5x (a), p99 ≤ 10 ms at 100 connections: closed loop ${perS(c?.okPerS ?? null)} req/s = ${ratio(c?.okPerS ?? null, a?.okPerS ?? null)} of (a), p99 ${fineMs(c?.latencyMs.p99 ?? null)} ms`);
    for (const o of open.filter((m) => m.model === model && m.variant === 'c gateway')) {
      const r = o.run;
      const failed = r.non2xx + r.errors + r.unfinished;
      const met = failed === 0 && r.latencyMs.p99 !== null && r.latencyMs.p99 <= 10;
      lines.push(`    open loop at ${o.fraction}x (a) = ${perS(r.offeredPerS)} req/s over ${r.connections} connections: ${perS(r.okPerS)} answered, p99 ${fineMs(r.latencyMs.p99)} ms from the scheduled send (p50 ${fineMs(r.latencyMs.p50)}, max ${fineMs(r.latencyMs.max)})${met ? ', p99 ≤ 10 ms' : ''}`);
    }
  }
  const on = at('mlp', 'b direct', 64);
  const off = at('mlp', 'd no batching', 64);
  lines.push(`(d) MLP batching ≥ 2x at 64 connections: on ${perS(on?.okPerS ?? null)} req/s, off ${perS(off?.okPerS ?? null)} req/s = ${ratio(on?.okPerS ?? null, off?.okPerS ?? null)}`);
  return lines;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), ['duration', 'connections', 'out', 'generator', 'open-connections', 'open-fractions', 'processes', 'gateway-processes'], USAGE);
  const pick = (flag: string, variable: string) => flags.get(flag) ?? process.env[variable];
  const durationS = positive('duration', pick('duration', 'BENCH_DURATION_S') ?? '5', false, USAGE);
  const connections = positiveIntegers('connections', pick('connections', 'BENCH_CONNECTIONS') ?? '1,16,64,100,128', USAGE);
  const outputPath = resolve(repoRoot(), pick('out', 'BENCH_OUT') ?? 'tmp/bench/inference.json');
  const warmupS = Math.min(2, durationS);
  const generator = flags.get('generator') ?? process.env.BENCH_GENERATOR ?? (wrkAvailable() ? 'wrk' : 'autocannon');
  if (generator !== 'wrk' && generator !== 'autocannon') throw new UsageError(`--generator must be wrk or autocannon\n${USAGE}`);
  if (generator === 'wrk' && !wrkAvailable()) throw new UsageError('--generator wrk: wrk is not on PATH (Debian: apt-get install wrk)');
  const load = (o: CannonOptions): Promise<CannonRun> => (generator === 'wrk' ? runWrk(o) : runCannon(o));
  const openConnections = positive('open-connections', pick('open-connections', 'BENCH_OPEN_CONNECTIONS') ?? '100', true, USAGE);
  // Serving processes of the inference service (SHIPYARD_INFERENCE_PROCESSES) in (b), (c) and (d) alike.
  const processCount = positive('processes', pick('processes', 'BENCH_INFERENCE_PROCESSES') ?? '2', true, USAGE);
  const gatewayProcesses = positive('gateway-processes', pick('gateway-processes', 'BENCH_GATEWAY_PROCESSES') ?? '1', true, USAGE);
  const openFractions = (pick('open-fractions', 'BENCH_OPEN_FRACTIONS') ?? '0.1,0.25,0.5').split(',').map((f) => positive('open-fractions', f.trim(), false, USAGE));

  const abort = new AbortController();
  process.on('SIGINT', () => abort.abort());
  process.on('SIGTERM', () => abort.abort());
  const machine = describeMachine();
  const runId = randomBytes(3).toString('hex');
  log(`inference benchmark (run ${runId})`);
  log(machineLine(machine));
  log(`plan     ${MODELS.length * VARIANTS.length * connections.length} closed-loop runs of ${durationS} s (${VARIANTS.join(', ')} × ${MODELS.map((m) => m.name).join(', ')} × ${connections.join(', ')} connections, interleaved), each warmed ${warmupS} s first`);
  log(`         then per model ${OPEN_VARIANTS.length * openFractions.length} open-loop runs of ${durationS} s (${OPEN_VARIANTS.join(', ')} at ${openFractions.join(', ')} × (a)'s closed-loop req/s), over ${openConnections} connections`);
  log(`serving  SHIPYARD_INFERENCE_PROCESSES=${processCount} for (b), (c) and (d), SHIPYARD_GATEWAY_PROCESSES=${gatewayProcesses} for (c); the baseline is one process`);
  log(`load     ${generator === 'wrk' ? 'wrk (1 thread)' : 'autocannon (wrk not on PATH: apt-get install wrk frees CPU for the servers)'}`);
  log(`note     ${generator}, the baseline, the services, PostgreSQL and NATS all share these cores; one row per request`);
  log();

  const dir = mkdtempSync(join(tmpdir(), 'shipyard-bench-inference-'));
  const files = { logistic: writeTestModel(dir, 'logistic'), mlp: writeTestModel(dir, 'mlp') };
  const measurements: Measurement[] = [];
  const openMeasurements: OpenMeasurement[] = [];
  let calibration: CannonRun | null = null;
  let baseline: { proc: ChildProcess; url: string } | null = null;
  let stack: TestStack | null = null;
  try {
    baseline = await startBaseline(files);
    // The same code runs 2-3x faster or slower on another day of a shared VM: this figure relates runs.
    calibration = await load({ url: `${baseline.url}/hello`, connections: 64, durationS: Math.min(3, durationS), signal: abort.signal });
    log(`calibration: fastify hello-world ${perS(calibration.okPerS)} req/s, p99 ${fineMs(calibration.latencyMs.p99)} ms (${generator}, 64 connections, ${Math.min(3, durationS)} s): compare runs by this`);
    log(`starting the stack (auth, registry, inference, api-gateway) ...`);
    try {
      stack = await TestStack.start({ services: ['registry', 'inference', 'api-gateway'], env: { SHIPYARD_RATE_LIMIT: '1000000000', SHIPYARD_LOG_LEVEL: 'warn', SHIPYARD_INFERENCE_PROCESSES: String(processCount), SHIPYARD_GATEWAY_PROCESSES: String(gatewayProcesses) } });
    } catch (e) {
      await terminateChildProcesses();
      throw e;
    }
    const gateway = stack.url('api-gateway');
    const admin = await stack.adminToken();
    for (const m of MODELS) await registerAndDeploy(gateway, admin, m.name);
    await everyProcessServes(stack.url('inference'), processCount);
    const key = await call(gateway, 'POST', '/api/v1/api-keys', admin, { name: 'bench', scopes: ['predict'] });
    if (key.status !== 201 || typeof key.body.key !== 'string') throw new Error(`api key: ${key.status}`);
    // A second replica without batching serves the same recorded deployments.
    const unbatched = await stack.startReplica('inference', { SHIPYARD_INFERENCE_BATCHING: 'false' });
    const urls: Record<VariantName, { url: string; headers?: Record<string, string> }> = {
      'a baseline': { url: baseline.url },
      'b direct': { url: stack.url('inference') },
      'c gateway': { url: gateway, headers: { authorization: `Bearer ${key.body.key}` } },
      'd no batching': { url: unbatched.baseUrl },
    };

    // Whose CPU each variant spends (per request, from /proc; Linux only).
    // A supervised service is measured over its serving processes (their sum; main threads summed too).
    const serving = (pid: number | undefined): number[] => {
      const children = childProcessesOf(pid);
      return children.length ? children : pid === undefined ? [] : [pid];
    };
    const inferencePids = serving(stack.service('inference').pid);
    const processes: Record<VariantName, Array<[string, number[]]>> = {
      'a baseline': [['baseline', serving(baseline.proc.pid)]],
      'b direct': [['inference', inferencePids]],
      'c gateway': [['gateway', serving(stack.service('api-gateway').pid)], ['inference', inferencePids]],
      'd no batching': [['inference', serving(unbatched.pid)]],
    };
    for (const m of MODELS) {
      const body = JSON.stringify({ inputs: [{ name: m.input, datatype: 'FP32', shape: [1, m.width], data: Array.from(sampleRows(1, m.width, 3)) }] });
      const path = `/v2/models/${m.name}/infer`;
      // Every variant must compute the same thing before its speed means anything.
      const answers = await Promise.all(VARIANTS.map(async (v) => {
        const res = await fetch(urls[v].url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...urls[v].headers }, body });
        const parsed = (await res.json()) as Record<string, unknown>;
        if (res.status !== 200) throw new Error(`${m.name} ${v}: ${res.status} ${JSON.stringify(parsed).slice(0, 200)}`);
        return outputsOf(parsed);
      }));
      const ref = answers[0] ?? [];
      answers.forEach((a, i) => {
        if (a.length !== ref.length || a.some((x, k) => Math.abs(x - (ref[k] ?? NaN)) > 1e-5)) throw new Error(`${m.name}: ${VARIANTS[i] ?? ''} answers differently from the baseline`);
      });
      log(`${m.name}: all variants answer the same ${ref.length} value(s); warming up`);
      for (const v of VARIANTS) await load({ url: urls[v].url + path, connections: 16, durationS: warmupS, body, signal: abort.signal, headers: { 'content-type': 'application/json', ...urls[v].headers } });
      for (const c of connections) {
        for (const v of VARIANTS) {
          if (abort.signal.aborted) break;
          const watched = processes[v];
          const before = watched.map(([, pids]) => cpuOfAll(pids));
          const run = await load({ url: urls[v].url + path, connections: c, durationS, body, signal: abort.signal, headers: { 'content-type': 'application/json', ...urls[v].headers } });
          const cpu = watched.flatMap(([name, pids], i) => {
            const r = perRequest(before[i] ?? null, cpuOfAll(pids), run.ok + run.non2xx);
            return r ? [{ process: name, ...r }] : [];
          });
          // The generator's share of the same cores (wrk is single-threaded: all of it is its main thread).
          const answered = run.ok + run.non2xx;
          if (run.generatorCpuUs !== null && answered > 0) cpu.push({ process: generator, totalUs: run.generatorCpuUs / answered, mainThreadUs: run.generatorCpuUs / answered });
          measurements.push({ model: m.name, variant: v, run, cpu });
          const l = run.latencyMs;
          log(`  ${m.name.padEnd(8)} ${v.padEnd(13)} c=${String(c).padStart(3)} ${perS(run.okPerS).padStart(6)} req/s  p50/p95/p99 ${fineMs(l.p50)} / ${fineMs(l.p95)} / ${fineMs(l.p99)} ms  cpu µs/req ${cpuText(cpu)}${run.non2xx + run.errors > 0 ? `  FAILED ${run.non2xx + run.errors}` : ''}`);
          await sleep(200);
        }
      }
      // Open loop: a fixed arrival rate, the way traffic reaches a service; latency counts from when each
      // request was due, so a pause delays (and shows in) every request scheduled during it.
      const base = baselineRate(measurements, m.name, openConnections);
      if (base === null) continue;
      for (const fraction of openFractions) {
        const ratePerS = Math.max(1, Math.round(base * fraction));
        for (const v of OPEN_VARIANTS) {
          if (abort.signal.aborted) break;
          const watched = processes[v];
          const before = watched.map(([, pids]) => cpuOfAll(pids));
          // The generator runs in this process: its CPU is part of what the two cores carry.
          const generatorBefore = cpuOf(process.pid);
          const run = await runOpenLoop({ url: urls[v].url + path, connections: openConnections, durationS, ratePerS, body, signal: abort.signal, headers: { 'content-type': 'application/json', ...urls[v].headers } });
          const cpu = watched.flatMap(([name, pids], i) => {
            const r = perRequest(before[i] ?? null, cpuOfAll(pids), run.ok + run.non2xx);
            return r ? [{ process: name, ...r }] : [];
          });
          const generatorCpu = perRequest(generatorBefore, cpuOf(process.pid), run.ok + run.non2xx);
          if (generatorCpu) cpu.push({ process: 'generator', ...generatorCpu });
          openMeasurements.push({ model: m.name, variant: v, fraction, run, cpu });
          const l = run.latencyMs;
          const failed = run.non2xx + run.errors + run.unfinished;
          log(`  ${m.name.padEnd(8)} ${v.padEnd(13)} open ${perS(ratePerS)}/s (${fraction}x a) over ${openConnections}: ${perS(run.okPerS).padStart(6)} ok/s  p50/p95/p99 ${fineMs(l.p50)} / ${fineMs(l.p95)} / ${fineMs(l.p99)} ms (from schedule)  cpu µs/req ${cpuText(cpu)}${failed > 0 ? `  FAILED ${failed}` : ''}`);
          await sleep(200);
        }
      }
    }
  } finally {
    baseline?.proc.kill('SIGTERM');
    if (stack) await stopStack(stack, (l) => log('  ' + l));
    rmSync(dir, { recursive: true, force: true });
  }
  log();
  log('summary: closed loop, one request in flight per connection, keep-alive; latency in ms (nearest-rank over every 2xx)');
  log(table(measurements));
  log();
  log(`open loop: ${openFractions.join(', ')} × (a)'s closed-loop req/s offered at a fixed rate over ${openConnections} connections; latency in ms from each request's scheduled send (coordinated omission corrected), and from its actual send`);
  log(openTable(openMeasurements));
  log();
  const judged = goals(measurements, openMeasurements);
  for (const g of judged) log(g);
  writeJson(outputPath, { runId, machine, calibrationPerS: calibration?.okPerS ?? null, generator, processes: processCount, gatewayProcesses, durationS, connections, openConnections, openFractions, measurements, openMeasurements, goals: judged });
  log(`results written to ${outputPath}`);
  if (measurements.some((m) => m.run.non2xx + m.run.errors > 0) || openMeasurements.some((m) => m.run.non2xx + m.run.errors + m.run.unfinished > 0)) process.exitCode = 1;
}

runBench('inference', main);
