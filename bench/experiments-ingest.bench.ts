/**
 * Metric ingest: metrics/s through log-batch (1,000 metrics per call, N concurrent clients) via the
 * gateway and straight to the experiments service, side by side with bare `pg` multi-row INSERTs of
 * the same rows into a table of the same shape (columns, identity, index), measured in the same run.
 * Run with `npm run bench:ingest [-- --clients 8 --batches 40 --out tmp/bench/experiments-ingest.json]`.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { Pool as PgPool } from 'pg';
import { Pool } from 'undici';
import { ACTOR_HEADER, PERMISSIONS_HEADER, USER_HEADER } from '@shipyard/contracts';
import { repoRoot, TestStack } from '@shipyard/testing';
import { describeMachine, machineLine } from './machine';
import { parseFlags, positive } from './options';
import { runBench } from './run';
import { ms, perS, renderTable, writeJson } from './report';
import { stopStack, terminateChildProcesses } from './stack-control';
import { Distribution, distribution } from './stats';

const log = (line = '') => process.stdout.write(line + '\n');
const USAGE = 'usage: npm run bench:ingest -- [--clients <n>] [--batches <per client>] [--batch-size <metrics, ≤ 1000>] [--out <path>]';
const KEYS = ['loss', 'accuracy', 'f1', 'precision', 'recall', 'auc', 'lr', 'grad_norm', 'val/loss', 'val/accuracy'];
const WARMUP_BATCHES = 3;

interface Phase {
  name: string;
  metrics: number;
  seconds: number;
  metricsPerS: number;
  callMs: Distribution;
  errors: string[];
}

/** One batch: every key at `batchSize / keys` consecutive steps, so steps grow from batch to batch. */
function batch(batchIndex: number, batchSize: number): Array<{ key: string; value: number; timestamp: number; step: number }> {
  const now = Date.now();
  return Array.from({ length: batchSize }, (_, i) => {
    const key = KEYS[i % KEYS.length] ?? 'loss';
    const step = batchIndex * Math.ceil(batchSize / KEYS.length) + Math.floor(i / KEYS.length);
    return { key, value: Math.random(), timestamp: now + i, step };
  });
}

/** `clients` closed loops of `batches` calls each; `call(client, i)` performs one and throws on failure. */
async function closedLoop(name: string, clients: number, batches: number, batchSize: number, call: (client: number, i: number) => Promise<void>): Promise<Phase> {
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = 0; i < WARMUP_BATCHES; i++) await call(c, -1 - i);
  }));
  const latencies: number[] = [];
  const errors: string[] = [];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async (_, c) => {
      for (let i = 0; i < batches; i++) {
        const t = performance.now();
        try {
          await call(c, i);
          latencies.push(performance.now() - t);
        } catch (e) {
          errors.push((e as Error).message);
        }
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const metrics = latencies.length * batchSize;
  return { name, metrics, seconds, metricsPerS: metrics / seconds, callMs: distribution(latencies), errors: errors.slice(0, 5) };
}

async function post(pool: Pool, path: string, headers: Record<string, string>, body: unknown): Promise<unknown> {
  const res = await pool.request({ method: 'POST', path, headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await res.body.text();
  if (res.statusCode >= 300) throw new Error(`${path} answered ${res.statusCode}: ${text.slice(0, 200)}`);
  return JSON.parse(text) as unknown;
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), ['clients', 'batches', 'batch-size', 'out'], USAGE);
  const clients = positive('clients', flags.get('clients') ?? '8', true, USAGE);
  const batches = positive('batches', flags.get('batches') ?? '40', true, USAGE);
  const batchSize = Math.min(1000, positive('batch-size', flags.get('batch-size') ?? '1000', true, USAGE));
  const out = flags.get('out') ?? 'tmp/bench/experiments-ingest.json';
  const machine = describeMachine();
  log(`experiments ingest benchmark (run ${randomBytes(3).toString('hex')})`);
  log(machineLine(machine));
  log(`plan     ${clients} clients × ${batches} calls × ${batchSize} metrics per phase (after ${WARMUP_BATCHES} warm-up calls per client): bare pg, log-batch direct, log-batch via gateway`);
  log('note     client, gateway, auth, experiments, NATS and PostgreSQL all share these cores');
  log();

  let stack: TestStack;
  try {
    stack = await TestStack.start({ services: ['experiments', 'api-gateway'] });
  } catch (e) {
    process.stderr.write(`the stack did not start: ${(e as Error).message}\n`);
    await terminateChildProcesses();
    process.exitCode = 1;
    return;
  }
  const gateway = new Pool(stack.url('api-gateway'), { connections: clients, pipelining: 1 });
  const direct = new Pool(stack.url('experiments'), { connections: clients, pipelining: 1 });
  const pg = new PgPool({ connectionString: stack.db.url, max: clients });
  const phases: Phase[] = [];
  try {
    machine.postgres = (await stack.db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`))[0]?.v ?? null;
    const user = await stack.user('ingest-bench@example.com', 'data-scientist');
    const auth = { authorization: `Bearer ${user.token}` };
    const asService = { [ACTOR_HEADER]: `user:${user.id}`, [USER_HEADER]: user.id, [PERMISSIONS_HEADER]: 'experiments:read,experiments:write' };
    const experiment = (await post(gateway, '/api/v1/experiments', auth, { name: `ingest-${Date.now()}` })) as { id: string };
    const newRuns = async () => Promise.all(Array.from({ length: clients }, async () => ((await post(gateway, '/api/v1/runs', auth, { experimentId: experiment.id })) as { id: string }).id));

    // Baseline: the same rows, one multi-row INSERT per batch, into a copy of the history table (identity and index included).
    await stack.db.query('CREATE TABLE public.bench_metrics (LIKE experiments.metrics INCLUDING ALL)');
    const placeholders = Array.from({ length: batchSize }, (_, i) => `($${i * 5 + 1}::uuid, $${i * 5 + 2}, $${i * 5 + 3}, $${i * 5 + 4}, $${i * 5 + 5})`).join(', ');
    const bareRuns = await newRuns();
    phases.push(
      await closedLoop('bare pg multi-row INSERT', clients, batches, batchSize, async (c, i) => {
        const values = batch(i + WARMUP_BATCHES, batchSize).flatMap((m) => [bareRuns[c], m.key, m.value, m.timestamp, m.step]);
        await pg.query(`INSERT INTO public.bench_metrics (run_id, key, value, timestamp, step) VALUES ${placeholders}`, values);
      }),
    );
    const directRuns = await newRuns();
    phases.push(await closedLoop('log-batch, direct to the service', clients, batches, batchSize, async (c, i) => void (await post(direct, `/api/v1/runs/${directRuns[c] ?? ''}/log-batch`, asService, { metrics: batch(i + WARMUP_BATCHES, batchSize) }))));
    const gatewayRuns = await newRuns();
    phases.push(await closedLoop('log-batch, through the gateway', clients, batches, batchSize, async (c, i) => void (await post(gateway, `/api/v1/runs/${gatewayRuns[c] ?? ''}/log-batch`, auth, { metrics: batch(i + WARMUP_BATCHES, batchSize) }))));

    const stored = Number((await stack.db.query<{ n: string }>('SELECT count(*) AS n FROM experiments.metrics WHERE run_id = ANY($1::uuid[])', [[...directRuns, ...gatewayRuns]]))[0]?.n ?? 0);
    const expected = 2 * clients * (batches + WARMUP_BATCHES) * batchSize;
    const bare = phases[0]?.metricsPerS ?? 0;
    log(
      renderTable(
        ['phase', 'metrics', 'seconds', 'metrics/s', '× bare', 'call p50 ms', 'call p95 ms', 'errors'],
        phases.map((p) => [p.name, String(p.metrics), p.seconds.toFixed(2), perS(p.metricsPerS), (p.metricsPerS / bare).toFixed(2), ms(p.callMs.p50), ms(p.callMs.p95), String(p.errors.length)]),
      ),
    );
    log();
    const viaGateway = phases[2]?.metricsPerS ?? 0;
    const viaService = phases[1]?.metricsPerS ?? 0;
    log(`stored   ${stored}/${expected} history rows of the log-batch phases in experiments.metrics`);
    log(`goal     ≥ 50,000 metrics/s and ≥ 0.5× bare: direct ${perS(viaService)}/s (${(viaService / bare).toFixed(2)}×), gateway ${perS(viaGateway)}/s (${(viaGateway / bare).toFixed(2)}×)`);
    for (const p of phases) for (const e of p.errors) log(`error    ${p.name}: ${e}`);
    if (stored !== expected || phases.some((p) => p.errors.length)) process.exitCode = 1;
    const path = resolve(repoRoot(), out);
    writeJson(path, { at: new Date().toISOString(), machine, options: { clients, batches, batchSize }, phases, stored, expected });
    log(`results written to ${path}`);
  } finally {
    await gateway.close();
    await direct.close();
    await pg.end();
    await stopStack(stack, log).catch((e: unknown) => {
      process.stderr.write(`stack cleanup failed: ${(e as Error).message}\n`);
      process.exitCode = 1;
    });
  }
}

runBench('experiments ingest', main);
