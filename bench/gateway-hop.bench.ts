/**
 * The cost of the gateway → service hop, HTTP proxying against NATS request-reply, measured with
 * autocannon in one run on this machine:
 *   A. the transport alone: identical trivial handlers (a 316-byte JSON) reached directly (A1), through
 *      a fastify front with an undici Pool (A2, what the gateway does), and through a fastify front with
 *      nc.request() to a NATS subscriber (A3). Client, front and upstream are separate processes.
 *   B. the real thing: GET /api/v1/models/:id on the registry directly and through the Shipyard gateway.
 * Run with `npm run bench:gateway [-- --duration 5 --connections 1,16,64]`.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { repoRoot, TestNatsServer, TestStack } from '@shipyard/testing';
import { CannonRun, runCannon } from './cannon';
import { hopTable, HopGroup, HopMeasurement, ratiosFor, runLine } from './gateway-hop-report';
import { HopChild } from './hop-children';
import { ENV_NATS_URL, ENV_UPSTREAM_CONNECTIONS, ENV_UPSTREAM_URL, FRONT_HTTP_PATH, FRONT_NATS_PATH, UPSTREAM_PATH } from './hop-protocol';
import { describeMachine, Machine, machineLine } from './machine';
import { parseFlags, positive, positiveIntegers } from './options';
import { runBench } from './run';
import { writeJson } from './report';
import { stopStack, terminateChildProcesses } from './stack-control';

const log = (line = '') => process.stdout.write(line + '\n');

const USAGE = `usage: npm run bench:gateway -- [--duration <s>] [--connections <c1,c2,...>] [--out <path>]
  env: BENCH_DURATION_S (default 5), BENCH_CONNECTIONS (default 1,16,64), BENCH_OUT (default tmp/bench/gateway-hop.json)`;

interface HopOptions {
  durationS: number;
  connections: number[];
  /** Unreported warm-up per variant before its first measured run (JIT, connection pools). */
  warmupS: number;
  /** Keep-alive connections from the front to the upstream, as the gateway's default. */
  upstreamConnections: number;
  outputPath: string;
}

function parseHopOptions(argv: readonly string[], env: NodeJS.ProcessEnv): HopOptions {
  const flags = parseFlags(argv, ['duration', 'connections', 'out'], USAGE);
  const pick = (flag: string, variable: string) => flags.get(flag) ?? env[variable];
  const durationS = positive('duration', pick('duration', 'BENCH_DURATION_S') ?? '5', false, USAGE);
  return {
    durationS,
    connections: positiveIntegers('connections', pick('connections', 'BENCH_CONNECTIONS') ?? '1,16,64', USAGE),
    warmupS: Math.min(2, durationS),
    upstreamConnections: 64,
    outputPath: pick('out', 'BENCH_OUT') ?? 'tmp/bench/gateway-hop.json',
  };
}

interface Variant {
  variant: string;
  baseline: string | null;
  url: string;
  headers?: Record<string, string>;
}

/**
 * Warms every variant, then measures them interleaved per connection count, so each hop runs right
 * after its baseline and both share whatever else the machine is doing at the time.
 */
async function measureGroup(group: HopGroup, variants: readonly Variant[], opts: HopOptions, signal: AbortSignal, out: HopMeasurement[]): Promise<void> {
  for (const v of variants) {
    if (signal.aborted) return;
    log(`  warm-up ${v.variant} (${opts.warmupS} s, 16 connections, not reported)`);
    const warm = await runCannon({ url: v.url, connections: 16, durationS: opts.warmupS, signal, ...(v.headers ? { headers: v.headers } : {}) });
    if (warm.ok === 0) throw new Error(`${v.variant}: no 2xx during warm-up (non-2xx ${warm.non2xx}, errors ${warm.errors})`);
  }
  for (const connections of opts.connections) {
    for (const v of variants) {
      if (signal.aborted) return;
      const run: CannonRun = await runCannon({ url: v.url, connections, durationS: opts.durationS, signal, ...(v.headers ? { headers: v.headers } : {}) });
      const m: HopMeasurement = { group, variant: v.variant, baseline: v.baseline, run };
      out.push(m);
      log(runLine(m));
    }
  }
}

/** One GET that must answer 200; its body, to check that the variants serve the same thing. */
async function probe(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(url, { headers, signal: AbortSignal.timeout(10_000) });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${body.slice(0, 300)}`);
  return body;
}

async function transportHop(opts: HopOptions, signal: AbortSignal, out: HopMeasurement[]): Promise<void> {
  log('[A] transport hop in isolation: starting nats-server, upstream and front processes ...');
  const nats = await TestNatsServer.start();
  const children: HopChild[] = [];
  try {
    const upstream = await HopChild.start('upstream', { [ENV_NATS_URL]: nats.url });
    children.push(upstream);
    const front = await HopChild.start('front', { [ENV_NATS_URL]: nats.url, [ENV_UPSTREAM_URL]: upstream.url, [ENV_UPSTREAM_CONNECTIONS]: String(opts.upstreamConnections) });
    children.push(front);
    const variants: Variant[] = [
      { variant: 'A1 direct', baseline: null, url: upstream.url + UPSTREAM_PATH },
      { variant: 'A2 http hop', baseline: 'A1 direct', url: front.url + FRONT_HTTP_PATH },
      { variant: 'A3 nats hop', baseline: 'A1 direct', url: front.url + FRONT_NATS_PATH },
    ];
    const bodies = await Promise.all(variants.map((v) => probe(v.url)));
    if (new Set(bodies).size !== 1) throw new Error(`the variants answer differently: ${bodies.map((b) => b.slice(0, 80)).join(' | ')}`);
    log(`  nats-server ${nats.url}, upstream ${upstream.url}, front ${front.url}; all three answer the same ${Buffer.byteLength(bodies[0] ?? '')}-byte JSON`);
    await measureGroup('A', variants, opts, signal, out);
  } finally {
    log('  stopping front, upstream and nats-server ...');
    for (const c of children.reverse()) await c.stop().catch((e: unknown) => process.stderr.write(`stopping ${c.role}: ${(e as Error).message}\n`));
    await nats.destroy().catch((e: unknown) => process.stderr.write(`stopping nats-server: ${(e as Error).message}\n`));
  }
}

async function gatewayHop(opts: HopOptions, signal: AbortSignal, machine: Machine, out: HopMeasurement[]): Promise<void> {
  if (signal.aborted) return;
  log('[B] the real hop: starting stack (PostgreSQL database, nats-server, audit, registry, api-gateway) ...');
  let stack: TestStack;
  try {
    stack = await TestStack.start({ services: ['audit', 'registry', 'api-gateway'] });
  } catch (e) {
    // TestStack.start hands back nothing when it fails half way, so stop what it spawned by pid.
    await terminateChildProcesses();
    throw new Error(`the stack did not start (a database shipyard_e2e_* may remain): ${(e as Error).message}`);
  }
  try {
    machine.postgres = (await stack.db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`))[0]?.v ?? null;
    const gateway = stack.url('api-gateway');
    const registry = stack.url('registry');
    const res = await fetch(`${gateway}/api/v1/models`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-shipyard-dev-actor': 'user:bench' },
      body: JSON.stringify({ name: `bench-gateway-hop-${randomBytes(3).toString('hex')}` }),
      signal: AbortSignal.timeout(10_000),
    });
    const created: unknown = await res.json();
    const id = typeof created === 'object' && created !== null && 'id' in created && typeof created.id === 'string' ? created.id : null;
    if (res.status !== 201 || id === null) throw new Error(`creating the model failed: ${res.status} ${JSON.stringify(created).slice(0, 300)}`);
    const path = `/api/v1/models/${id}`;
    const variants: Variant[] = [
      { variant: 'B1 registry', baseline: null, url: registry + path },
      { variant: 'B2 via gateway', baseline: 'B1 registry', url: gateway + path },
    ];
    const [direct, proxied] = await Promise.all(variants.map((v) => probe(v.url)));
    if (direct !== proxied) throw new Error(`registry and gateway answer differently:\n${direct ?? ''}\n${proxied ?? ''}`);
    log(`  gateway ${gateway}, registry ${registry}, database ${stack.db.name} (PostgreSQL ${machine.postgres ?? '?'}); GET ${path} answers ${Buffer.byteLength(direct ?? '')} bytes on both`);
    await measureGroup('B', variants, opts, signal, out);
  } finally {
    log('  stopping stack ...');
    await stopStack(stack, (line) => log('  ' + line)).catch((e: unknown) => {
      process.stderr.write(`stack cleanup failed: ${(e as Error).message} (database ${stack.db.name} may remain)\n`);
      process.exitCode = 1;
    });
  }
}

async function main(): Promise<void> {
  const opts = parseHopOptions(process.argv.slice(2), process.env);

  const abort = new AbortController();
  let abortReason = '';
  const stopEarly = (reason: string) => {
    if (abort.signal.aborted) return;
    abortReason = reason;
    process.stderr.write(`${reason}: stopping the current run, then cleaning up\n`);
    abort.abort();
  };
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      process.stderr.write(`${signal} again: exiting without cleanup (a database shipyard_e2e_* and nats-server processes may remain)\n`);
      process.exit(130);
    }
    stopEarly(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const runs = opts.connections.length * 5;
  // Every run plus autocannon's 1 s sampling slack, the warm-ups, and generous room for start/stop.
  const budgetS = Math.ceil(runs * (opts.durationS + 1.5) + 5 * (opts.warmupS + 1.5) + 240);
  const watchdog = setTimeout(() => stopEarly(`time budget of ${budgetS} s exceeded`), budgetS * 1000);
  watchdog.unref();

  const runId = randomBytes(3).toString('hex');
  const machine = describeMachine();
  log(`gateway-hop benchmark (run ${runId})`);
  log(machineLine(machine));
  log(`plan     ${runs} runs of ${opts.durationS} s (A1/A2/A3, B1/B2 at ${opts.connections.join(', ')} connections, interleaved), each variant warmed ${opts.warmupS} s first; about ${Math.round(runs * (opts.durationS + 1) + 5 * (opts.warmupS + 1))} s plus start-up, at most ${budgetS} s`);
  log('note     autocannon client, fronts, upstreams, nats-server (and in B the services and PostgreSQL) all share these cores');
  log();

  const startedAt = new Date().toISOString();
  const measurements: HopMeasurement[] = [];
  let failure: Error | null = null;
  try {
    await transportHop(opts, abort.signal, measurements);
    log();
    await gatewayHop(opts, abort.signal, machine, measurements);
  } catch (e) {
    failure = e instanceof Error ? e : new Error(String(e));
  } finally {
    clearTimeout(watchdog);
  }

  if (measurements.length > 0) {
    log();
    log('summary: closed loop, 1 request in flight per connection, keep-alive; latency in ms over every 2xx response');
    log('  p50/p95/p99 = nearest-rank percentiles of each response time as autocannon took it (hrtime, sub-ms)');
    log('  ac p50/p97.5/p99 = autocannon result.latency.p50/.p97_5/.p99 (its histogram keeps whole ms only)');
    log('  ratios = variant / its direct baseline at the same connection count (A2, A3 vs A1; B2 vs B1)');
    log(hopTable(measurements));
  }
  const out = resolve(repoRoot(), opts.outputPath);
  writeJson(out, {
    runId,
    startedAt,
    finishedAt: new Date().toISOString(),
    machine,
    options: opts,
    measurements: measurements.map((m) => ({ ...m, ratios: ratiosFor(m, measurements) })),
    interrupted: abort.signal.aborted ? abortReason : null,
    error: failure === null ? null : (failure.stack ?? failure.message),
  });
  log();
  log(`results written to ${out}`);
  if (failure !== null) throw failure;
  if (measurements.some((m) => m.run.ok === 0 || m.run.non2xx + m.run.errors > 0)) process.exitCode = 1;
  if (abort.signal.aborted) process.exitCode = abortReason.startsWith('SIG') ? 130 : 1;
}

runBench('gateway-hop', main);
