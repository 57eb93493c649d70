/**
 * Audit ingest with the hash chain on: envelopes are published straight to JetStream (no HTTP write
 * path in front, which saturates first on a small machine) and timed until the audit service has
 * appended them all. Printed side by side with the broker alone (publish + ack-only consumer) in the
 * same run, then paced phases for the lag (recorded_at − occurred_at), then a full chain verification.
 * Run with `npm run bench:audit-ingest [-- --events 50000 --rates 500,1000,2000 --duration 10]`.
 */
import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { resolve } from 'node:path';
import { connect, NatsConnection } from 'nats';
import { repoRoot, TestStack } from '@shipyard/testing';
import { benchEnvelope, brokerBaseline, publishAll, publishPaced, waitForSeq } from './jetstream-load';
import { describeMachine, machineLine } from './machine';
import { parseFlags, positive, positiveIntegers } from './options';
import { runBench } from './run';
import { ms, perS, renderTable, writeJson } from './report';
import { stopStack, terminateChildProcesses } from './stack-control';
import { Distribution, distribution } from './stats';

const log = (line = '') => process.stdout.write(line + '\n');
const USAGE = 'usage: npm run bench:audit-ingest -- [--events <n>] [--rates <r1,r2>] [--duration <s>] [--out <path>]';

interface PacedPhase {
  ratePerS: number;
  sent: number;
  recorded: number;
  worstLateMs: number;
  lagMs: Distribution;
}

async function currentSeq(stack: TestStack): Promise<number> {
  return Number((await stack.db.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM audit.event_ids'))[0]?.seq ?? 0);
}

async function lagOf(stack: TestStack, fromSeq: number, toSeq: number): Promise<Distribution> {
  const rows = await stack.db.query<{ lag: number }>(
    'SELECT (extract(epoch FROM recorded_at - occurred_at) * 1000)::float8 AS lag FROM audit.events WHERE seq > $1 AND seq <= $2',
    [fromSeq, toSeq],
  );
  return distribution(rows.map((r) => r.lag));
}

async function main(): Promise<void> {
  const flags = parseFlags(process.argv.slice(2), ['events', 'rates', 'duration', 'out'], USAGE);
  const events = positive('events', flags.get('events') ?? '50000', true, USAGE);
  const rates = positiveIntegers('rates', flags.get('rates') ?? '500,1000,2000', USAGE);
  const durationS = positive('duration', flags.get('duration') ?? '10', false, USAGE);
  const out = flags.get('out') ?? 'tmp/bench/audit-ingest.json';
  const machine = describeMachine();
  const tag = randomBytes(3).toString('hex');
  log(`audit-ingest benchmark (run ${tag})`);
  log(machineLine(machine));
  log(`plan     warm-up 2,000; broker baseline and audit ingest of ${events.toLocaleString('en')} events; paced ${rates.join(', ')} events/s for ${durationS} s each; full verify`);
  log('note     publisher, nats-server, audit and PostgreSQL all share these cores');
  log();

  let stack: TestStack;
  try {
    stack = await TestStack.start({ services: ['audit'] });
  } catch (e) {
    process.stderr.write(`the stack did not start: ${(e as Error).message}\n`);
    await terminateChildProcesses();
    process.exitCode = 1;
    return;
  }
  let nc: NatsConnection | null = null;
  const results: Record<string, unknown> = {};
  try {
    machine.postgres = (await stack.db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`))[0]?.v ?? null;
    nc = await connect({ servers: stack.nats.url });
    const js = nc.jetstream();

    log('[1/4] warm-up: 2,000 events ...');
    await publishAll(js, 2000, (i) => benchEnvelope(`${tag}-warm`, i));
    await waitForSeq(stack.db, 2000);

    log(`[2/4] broker alone: ${events} events published and acked by a bare consumer ...`);
    const broker = await brokerBaseline(nc, events);
    const brokerRate = events / (broker.totalMs / 1000);
    log(`  ${perS(brokerRate)} events/s (publish ${ms(broker.publishMs)} ms, all consumed ${ms(broker.totalMs)} ms)`);

    log(`[3/4] audit ingest: ${events} events published as fast as acks come back ...`);
    const before = await currentSeq(stack);
    const started = performance.now();
    const publishMs = await publishAll(js, events, (i) => benchEnvelope(`${tag}-ingest`, i));
    const reached = await waitForSeq(stack.db, before + events);
    const ingestMs = reached.atMs - started;
    const ingestRate = (reached.reached - before) / (ingestMs / 1000);
    const span = (await stack.db.query<{ span: number }>('SELECT (extract(epoch FROM max(recorded_at) - min(recorded_at)) * 1000)::float8 AS span FROM audit.events WHERE seq > $1', [before]))[0]?.span ?? 0;
    log(`  ${reached.reached - before}/${events} recorded in ${ms(ingestMs)} ms → ${perS(ingestRate)} events/s (publishing took ${ms(publishMs)} ms; first→last recorded_at ${ms(span)} ms)`);

    log(`[4/4] paced: ${rates.join(', ')} events/s for ${durationS} s each ...`);
    const paced: PacedPhase[] = [];
    for (const rate of rates) {
      const from = await currentSeq(stack);
      const sent = await publishPaced(js, rate, durationS, (i) => benchEnvelope(`${tag}-paced-${rate}`, i));
      const done = await waitForSeq(stack.db, from + sent.sent);
      const phase = { ratePerS: rate, sent: sent.sent, recorded: done.reached - from, worstLateMs: sent.worstLateMs, lagMs: await lagOf(stack, from, done.reached) };
      paced.push(phase);
      log(`  ${rate}/s: ${phase.recorded}/${phase.sent} recorded; lag p50/p95/p99 ${ms(phase.lagMs.p50)} / ${ms(phase.lagMs.p95)} / ${ms(phase.lagMs.p99)} ms, max ${ms(phase.lagMs.max)} ms (publisher worst ${ms(phase.worstLateMs)} ms late)`);
    }

    const verifyStarted = performance.now();
    const verify = (await (await fetch(`${stack.url('audit')}/api/v1/audit/verify`)).json()) as { ok: boolean; checked: number };
    const verifyMs = performance.now() - verifyStarted;
    log(`verify   ok=${verify.ok}, ${verify.checked} rows in ${ms(verifyMs)} ms (${perS(verify.checked / (verifyMs / 1000))} rows/s)`);

    log();
    log('summary');
    log(
      renderTable(
        ['phase', 'events', 'events/s', 'lag p50 ms', 'lag p95 ms', 'lag p99 ms', 'lag max ms'],
        [
          ['broker alone (baseline)', String(events), perS(brokerRate), '-', '-', '-', '-'],
          ['audit ingest, chain on', String(reached.reached - before), perS(ingestRate), '-', '-', '-', '-'],
          ...paced.map((p) => [`audit paced ${p.ratePerS}/s`, `${p.recorded}/${p.sent}`, perS(p.ratePerS), ms(p.lagMs.p50), ms(p.lagMs.p95), ms(p.lagMs.p99), ms(p.lagMs.max)]),
        ],
      ),
    );
    Object.assign(results, { broker: { ...broker, eventsPerS: brokerRate }, ingest: { events, recorded: reached.reached - before, ms: ingestMs, publishMs, eventsPerS: ingestRate, recordedSpanMs: span }, paced, verify: { ...verify, ms: verifyMs } });
    if (!verify.ok || reached.reached - before < events || paced.some((p) => p.recorded < p.sent)) process.exitCode = 1;
  } finally {
    await nc?.close().catch(() => undefined);
    await stopStack(stack, log).catch((e: unknown) => {
      process.stderr.write(`stack cleanup failed: ${(e as Error).message}\n`);
      process.exitCode = 1;
    });
  }
  const path = resolve(repoRoot(), out);
  writeJson(path, { run: tag, at: new Date().toISOString(), machine, options: { events, rates, durationS }, ...results });
  log(`results written to ${path}`);
}

runBench('audit-ingest', main);
