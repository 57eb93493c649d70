/**
 * Run search at scale: seeds one experiment with 100k runs × 10 metrics × 10 params (+ 2 tags) straight
 * into PostgreSQL, then times 20 typical filters through the gateway (POST /api/v1/runs/search, first
 * page of 100) and prints p50/p95 per filter and over all of them.
 * Run with `npm run bench:search [-- --runs 100000 --reps 10 --out tmp/bench/experiments-search.json]`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { Pool } from 'undici';
import { repoRoot, TestStack } from '@shipyard/testing';
import { describeMachine, machineLine } from './machine';
import { parseFlags, positive } from './options';
import { runBench } from './run';
import { ms, renderTable, writeJson } from './report';
import { stopStack, terminateChildProcesses } from './stack-control';
import { distribution } from './stats';

const log = (line = '') => process.stdout.write(line + '\n');
const USAGE = 'usage: npm run bench:search -- [--runs <n>] [--reps <per filter>] [--out <path>]';
const METRICS = ['accuracy', 'f1', 'loss', 'precision', 'recall', 'auc', 'val/accuracy', 'val/loss', 'throughput', 'latency_ms'];
const PARAMS: Record<string, string[]> = {
  optimizer: ['adam', 'sgd', 'rmsprop', 'adagrad'],
  lr: ['0.1', '0.01', '0.001', '0.0001'],
  batch_size: ['32', '64', '128', '256'],
  depth: Array.from({ length: 12 }, (_, i) => String(i + 1)),
  dropout: ['0.0', '0.1', '0.2', '0.3', '0.5'],
  hidden: ['64', '128', '256', '512', '1024', '2048', '4096', '8192'],
  activation: ['relu', 'gelu', 'tanh'],
  epochs: ['5', '10', '20', '50', '100'],
  weight_decay: ['0', '1e-5', '1e-4', '1e-3'],
  seed: Array.from({ length: 1000 }, (_, i) => String(i)),
};
const TEAMS = ['vision', 'nlp', 'speech', 'tabular', 'recsys'];

/** Twenty filters a user of the UI or the MLflow client would plausibly send. */
function filters(recentIso: string): Array<{ name: string; filter: string; orderBy?: string[] }> {
  return [
    { name: 'one metric bound', filter: 'metrics.accuracy > 0.9' },
    { name: 'seed query', filter: "metrics.accuracy > 0.9 AND params.optimizer = 'adam'" },
    { name: 'two params', filter: "params.optimizer = 'adam' AND params.lr = '0.01'" },
    { name: 'metric bound, order by metric', filter: 'metrics.accuracy > 0.95 ORDER BY metrics.f1 DESC' },
    { name: 'status and metric', filter: "attributes.status = 'FINISHED' AND metrics.loss < 0.1" },
    { name: 'tag equality', filter: "tags.team = 'vision'" },
    { name: 'OR in parentheses', filter: "(params.optimizer = 'adam' OR params.optimizer = 'sgd') AND metrics.auc > 0.9" },
    { name: 'IN and metric', filter: "params.optimizer IN ('adam', 'rmsprop') AND metrics.f1 >= 0.95" },
    { name: 'ILIKE tag and metric', filter: "tags.team ILIKE 'vis%' AND metrics.accuracy > 0.8" },
    { name: 'OR of rare metrics', filter: 'metrics.accuracy > 0.99 OR metrics.f1 > 0.99' },
    { name: 'no filter, order by metric', filter: 'ORDER BY metrics.accuracy DESC' },
    { name: 'recent runs', filter: `attributes.start_time > '${recentIso}'` },
    { name: 'three params and a metric', filter: "params.batch_size = '64' AND params.depth = '6' AND metrics.accuracy > 0.5" },
    { name: 'two metric bounds', filter: 'metrics.precision > 0.9 AND metrics.recall > 0.9' },
    { name: 'run name prefix', filter: "attributes.run_name LIKE 'run-1234%'" },
    { name: 'param != and metric', filter: "params.optimizer != 'adam' AND metrics.loss < 0.05" },
    { name: 'OR of AND groups', filter: "(tags.team = 'nlp' AND metrics.accuracy > 0.9) OR (tags.team = 'vision' AND metrics.f1 > 0.95)" },
    { name: 'status IN, newest first', filter: "attributes.status IN ('FAILED', 'KILLED')", orderBy: ['attributes.start_time DESC'] },
    { name: 'half the runs, order by metric', filter: 'metrics.auc > 0.5', orderBy: ['metrics.loss ASC'] },
    { name: 'no filter (default order)', filter: '' },
  ];
}

/** Rows generated inside PostgreSQL: one INSERT … SELECT per table. */
async function seed(url: string, runs: number): Promise<{ experimentId: string; ms: number }> {
  const c = new Client({ connectionString: url });
  await c.connect();
  const started = performance.now();
  try {
    const experimentId = randomUUID();
    await c.query(`INSERT INTO experiments.experiments (id, name, artifact_location, lifecycle_stage, owner_id, created_at, updated_at) VALUES ($1::uuid, 'search-bench', 's3://bench/experiments/' || $1::text, 'active', 'user:bench', now(), now())`, [experimentId]);
    await c.query(
      `INSERT INTO experiments.runs (id, experiment_id, name, status, start_time, end_time, user_id, source, artifact_uri, lifecycle_stage, created_at, updated_at)
       SELECT gen_random_uuid(), $1, 'run-' || g, (ARRAY['FINISHED','FINISHED','FINISHED','FINISHED','FINISHED','FINISHED','FAILED','FAILED','KILLED','RUNNING'])[1 + g % 10],
              now() - make_interval(secs => g * 86), CASE WHEN g % 10 = 9 THEN NULL ELSE now() - make_interval(secs => g * 86) + make_interval(secs => 60 + g % 3600) END,
              'bench', 'train.py', 's3://bench/' || g, 'active', now(), now()
       FROM generate_series(1, $2) g`,
      [experimentId, runs],
    );
    await c.query(
      `INSERT INTO experiments.latest_metrics (run_id, key, value, timestamp, step)
       SELECT r.id, k, random(), (extract(epoch FROM r.start_time) * 1000)::bigint, 0 FROM experiments.runs r CROSS JOIN unnest($1::text[]) k WHERE r.experiment_id = $2`,
      [METRICS, experimentId],
    );
    await c.query(`INSERT INTO experiments.metrics (run_id, key, value, timestamp, step) SELECT run_id, key, value, timestamp, step FROM experiments.latest_metrics`);
    for (const [key, values] of Object.entries(PARAMS)) {
      await c.query(`INSERT INTO experiments.params (run_id, key, value) SELECT r.id, $1, ($2::text[])[1 + floor(random() * $3)::int] FROM experiments.runs r WHERE r.experiment_id = $4`, [key, values, values.length, experimentId]);
    }
    await c.query(`INSERT INTO experiments.run_tags (run_id, key, value) SELECT r.id, 'team', ($1::text[])[1 + floor(random() * 5)::int] FROM experiments.runs r WHERE r.experiment_id = $2`, [TEAMS, experimentId]);
    await c.query(`INSERT INTO experiments.run_tags (run_id, key, value) SELECT r.id, 'env', (ARRAY['dev','staging','prod'])[1 + floor(random() * 3)::int] FROM experiments.runs r WHERE r.experiment_id = $1`, [experimentId]);
    await c.query('VACUUM ANALYZE experiments.runs, experiments.latest_metrics, experiments.params, experiments.run_tags, experiments.metrics');
    return { experimentId, ms: performance.now() - started };
  } finally {
    await c.end();
  }
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), ['runs', 'reps', 'out'], USAGE);
  const runs = positive('runs', flags.get('runs') ?? '100000', true, USAGE);
  const reps = positive('reps', flags.get('reps') ?? '10', true, USAGE);
  const out = flags.get('out') ?? 'tmp/bench/experiments-search.json';
  const machine = describeMachine();
  log(`experiments search benchmark (run ${randomBytes(3).toString('hex')})`);
  log(machineLine(machine));
  log(`plan     seed ${runs.toLocaleString('en')} runs × ${METRICS.length} metrics × ${Object.keys(PARAMS).length} params (+2 tags) in one experiment; 20 filters × (1 warm-up + ${reps}) through the gateway, first page of 100`);
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
  const gateway = new Pool(stack.url('api-gateway'), { connections: 1, pipelining: 1 });
  try {
    machine.postgres = (await stack.db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`))[0]?.v ?? null;
    const { token } = await stack.user('search-bench@example.com', 'viewer');
    const seeded = await seed(stack.db.url, runs);
    log(`seeded   in ${(seeded.ms / 1000).toFixed(1)} s`);
    const recentIso = new Date(Date.now() - 86_400_000).toISOString();
    const rows: Array<{ name: string; filter: string; page: number; p50: number | null; p95: number | null; max: number | null }> = [];
    const all: number[] = [];
    const errors: string[] = [];
    for (const f of filters(recentIso)) {
      const times: number[] = [];
      let page = 0;
      for (let i = 0; i <= reps; i++) {
        const t = performance.now();
        const res = await gateway.request({ method: 'POST', path: '/api/v1/runs/search', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ experimentIds: [seeded.experimentId], filter: f.filter, ...(f.orderBy ? { orderBy: f.orderBy } : {}), limit: 100 }) });
        const text = await res.body.text();
        const elapsed = performance.now() - t;
        if (res.statusCode !== 200) {
          errors.push(`${f.name}: ${res.statusCode} ${text.slice(0, 200)}`);
          break;
        }
        page = (JSON.parse(text) as { items: unknown[] }).items.length;
        if (i > 0) times.push(elapsed);
      }
      all.push(...times);
      const d = distribution(times);
      rows.push({ name: f.name, filter: f.filter + (f.orderBy ? ` [orderBy ${f.orderBy.join(', ')}]` : ''), page, p50: d.p50, p95: d.p95, max: d.max });
    }
    const overall = distribution(all);
    log(renderTable(['filter', 'page', 'p50 ms', 'p95 ms', 'max ms'], rows.map((r) => [r.name, String(r.page), ms(r.p50), ms(r.p95), ms(r.max)])));
    log();
    log(`overall  ${overall.count} searches: p50 ${ms(overall.p50)} ms, p95 ${ms(overall.p95)} ms, max ${ms(overall.max)} ms (goal p95 ≤ 100 ms)`);
    for (const e of errors) log(`error    ${e}`);
    if (errors.length) process.exitCode = 1;
    const path = resolve(repoRoot(), out);
    writeJson(path, { at: new Date().toISOString(), machine, options: { runs, reps }, seedMs: seeded.ms, filters: rows, overall });
    log(`results written to ${path}`);
  } finally {
    await gateway.close();
    await stopStack(stack, log).catch((e: unknown) => {
      process.stderr.write(`stack cleanup failed: ${(e as Error).message}\n`);
      process.exitCode = 1;
    });
  }
}

runBench('experiments search', main);
