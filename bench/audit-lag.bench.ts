/**
 * Write → audit lag under load: creates models through the gateway at fixed rates (open loop), then a
 * closed loop at full speed, and measures how long each model.created event takes to land in
 * audit.events. Everything runs on this machine against a private stack (fresh database, private
 * nats-server, services from dist/). Run with `npm run bench:audit [-- --duration 5]`.
 */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { repoRoot, TestStack } from '@shipyard/testing';
import { LoadResult, runClosedLoop, runOpenLoop } from './load';
import { describeMachine, Machine, machineLine } from './machine';
import { parseOptions } from './options';
import { runBench } from './run';
import { measurePhase, PhaseReport, PhaseShape } from './phase';
import { phaseLines, summaryTable, writeJson } from './report';
import { stopStack, terminateChildProcesses } from './stack-control';
import { ModelWriteClient } from './write-client';

const log = (line = '') => process.stdout.write(line + '\n');

async function main(): Promise<void> {
  const opts = parseOptions(process.argv.slice(2), process.env);

  const abort = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (abort.signal.aborted) {
      process.stderr.write(`${signal} again: exiting without cleanup (a database shipyard_e2e_* and a nats-server may remain)\n`);
      process.exit(130);
    }
    process.stderr.write(`${signal}: finishing the current step, then stopping the stack (send again to exit at once)\n`);
    abort.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const runId = randomBytes(3).toString('hex');
  const machine: Machine = describeMachine();
  log(`audit-lag benchmark (run ${runId})`);
  log(machineLine(machine));
  log(`plan     open loop at ${opts.rates.join(', ')} writes/s for ${opts.durationS} s each (at most ${opts.maxInFlight} in flight), then ${opts.closedLoopWriters} closed-loop writers for ${opts.durationS} s`);
  log('note     client, gateway, registry, audit, nats-server and PostgreSQL all share these cores');
  log();

  const startedAt = new Date().toISOString();
  log('starting stack (PostgreSQL database, nats-server, auth, audit, registry, api-gateway) ...');
  let stack: TestStack;
  try {
    stack = await TestStack.start({ services: ['audit', 'registry', 'api-gateway'] });
  } catch (e) {
    process.stderr.write(`the stack did not start: ${(e as Error).message}\n`);
    // TestStack.start hands back nothing when it fails half way, so stop what it spawned by pid.
    await terminateChildProcesses();
    process.stderr.write('a database shipyard_e2e_* may remain on the PostgreSQL server\n');
    process.exitCode = 1;
    return;
  }
  const phases: PhaseReport[] = [];
  let failure: Error | null = null;
  let client: ModelWriteClient | null = null;
  try {
    // Writes need a principal since the gateway authenticates (issue #4): a data scientist's token.
    client = new ModelWriteClient(stack.url('api-gateway'), opts.maxInFlight, (await stack.user(`bench-${runId}@example.com`, 'data-scientist')).token);
    const writer = client;
    machine.postgres = (await stack.db.query<{ v: string }>(`SELECT current_setting('server_version') AS v`))[0]?.v ?? null;
    log(`stack up: gateway ${stack.url('api-gateway')}, database ${stack.db.name}, PostgreSQL ${machine.postgres ?? '?'}`);

    const total = 2 + opts.rates.length + 1;
    let step = 0;
    const run = async (shape: PhaseShape, detail: string, drive: (name: (i: number) => string) => Promise<LoadResult>, report = true) => {
      if (abort.signal.aborted) return;
      step++;
      const tag = `p${step}-${shape.targetWritesPerS ?? shape.kind}`; // unique per phase, so names never collide
      log(`[${step}/${total}] ${shape.name}: ${detail} ...`);
      const load = await drive((i) => `bench-${tag}-${i}-${runId}`);
      log(`  sent ${load.issued} in ${(load.elapsedMs / 1000).toFixed(2)} s; waiting for their audit rows ...`);
      const phase = await measurePhase(stack.db, shape, load, abort.signal);
      if (report) {
        phases.push(phase);
        for (const line of phaseLines(phase)) log(line);
      } else {
        log(`  warm-up done: ${phase.ok} created, ${phase.errors} errors, audit rows ${phase.audit.found}/${phase.audit.expected}`);
      }
    };

    await run(
      { name: 'warm-up', kind: 'closed-loop', targetWritesPerS: null, writers: 8, durationS: 30 },
      `${opts.warmupWrites} writes, 8 writers (not reported)`,
      (name) => runClosedLoop(writer, { writers: 8, durationS: 30, maxRequests: opts.warmupWrites, name, signal: abort.signal }),
      false,
    );
    // The baseline: the pipeline's lag with no queueing anywhere, to read the loaded figures against.
    await run(
      { name: 'baseline serial', kind: 'serial', targetWritesPerS: null, writers: 1, durationS: 30 },
      `${opts.serialWrites} writes one at a time`,
      (name) => runClosedLoop(writer, { writers: 1, durationS: 30, maxRequests: opts.serialWrites, name, signal: abort.signal }),
    );
    for (const rate of opts.rates) {
      await run(
        { name: `open ${rate}/s`, kind: 'open-loop', targetWritesPerS: rate, writers: null, durationS: opts.durationS },
        `${rate} writes/s for ${opts.durationS} s`,
        (name) => runOpenLoop(writer, { ratePerSecond: rate, durationS: opts.durationS, maxInFlight: opts.maxInFlight, name, signal: abort.signal }),
      );
    }
    await run(
      { name: `max (${opts.closedLoopWriters} writers)`, kind: 'closed-loop', targetWritesPerS: null, writers: opts.closedLoopWriters, durationS: opts.durationS },
      `${opts.closedLoopWriters} closed-loop writers for ${opts.durationS} s`,
      (name) => runClosedLoop(writer, { writers: opts.closedLoopWriters, durationS: opts.durationS, name, signal: abort.signal }),
    );
    if (abort.signal.aborted) log('interrupted: remaining phases skipped');
  } catch (e) {
    failure = e instanceof Error ? e : new Error(String(e));
  } finally {
    await client?.close().catch(() => undefined);
    log('stopping stack ...');
    await stopStack(stack, log).catch((e: unknown) => {
      process.stderr.write(`stack cleanup failed: ${(e as Error).message} (database ${stack.db.name} may remain)\n`);
      process.exitCode = 1;
    });
  }

  if (phases.length > 0) {
    log();
    log('summary (times in ms; lag = audit recorded_at - registry occurred_at; e2e = recorded_at - client send)');
    log(summaryTable(phases));
  }
  const out = resolve(repoRoot(), opts.outputPath);
  writeJson(out, { runId, startedAt, finishedAt: new Date().toISOString(), machine, options: opts, phases, error: failure === null ? null : (failure.stack ?? failure.message) });
  log();
  log(`results written to ${out}`);
  if (failure !== null) throw failure;
  if (phases.some((p) => p.errors > 0 || !p.audit.complete)) process.exitCode = 1;
  if (abort.signal.aborted) process.exitCode = 130;
}

runBench('audit-lag', main);
