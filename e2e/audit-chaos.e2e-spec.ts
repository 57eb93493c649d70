import { randomUUID } from 'node:crypto';
import { TestStack, waitFor } from '@shipyard/testing';
import { planWrites, runWrites } from './chaos-writes';
import { auditEvents, AuditEvent, request, Target } from './http';
import { restartSharedPostgres } from './postgres-restart';

const WRITES = 1000;

/**
 * The audit trail stays exact through failures: 1,000 mixed writes go through the gateway while the
 * audit service is SIGKILLed twice, NATS restarts once and the PostgreSQL server restarts once. Every
 * write that succeeded for its client has exactly one audit row, nothing else carries its request id,
 * and the chain verifies. This file restarts the shared PostgreSQL server (see postgres-restart.ts).
 */
describe('audit under chaos (services as processes, real restarts)', () => {
  let stack: TestStack;
  let gw: Target;
  const timeline: string[] = [];
  const started = Date.now();
  const note = (line: string) => timeline.push(`${((Date.now() - started) / 1000).toFixed(1).padStart(6)} s  ${line}`);

  beforeAll(async () => {
    stack = await TestStack.start({
      services: ['audit', 'registry', 'api-gateway'],
      // Anchors often enough that the final verify checks several of them.
      env: { SHIPYARD_AUDIT_ANCHOR_EVERY: '100', SHIPYARD_AUDIT_ANCHOR_INTERVAL_S: '5' },
    });
    gw = { url: stack.url('api-gateway'), token: await stack.adminToken() };
  });

  afterAll(async () => {
    process.stdout.write(`audit chaos timeline:\n${timeline.join('\n')}\n`);
    await stack?.stop();
  });

  it(`${WRITES} mixed writes, audit SIGKILLed twice, NATS and PostgreSQL restarted → exactly ${WRITES} audit rows, no duplicates, chain verifies`, async () => {
    const tag = randomUUID().slice(0, 6);
    const plan = planWrites(WRITES, tag);
    const steps = plan.flat();
    expect(steps).toHaveLength(WRITES);
    expect(new Set(steps.map((s) => s.requestId)).size).toBe(WRITES);

    let done = 0;
    let writesOver = false;
    const reach = (n: number) => waitFor(`${n} writes done`, () => Promise.resolve(done >= n || writesOver), 180_000, 20);
    const audit = stack.service('audit');
    const killAudit = async (which: string) => {
      note(`${which}: SIGKILL audit at ${done} writes`);
      await audit.kill('SIGKILL');
      audit.start();
      await audit.waitReady(60_000);
      note(`${which}: audit ready again at ${done} writes`);
    };
    const duringWrites: boolean[] = [];
    const chaos = async () => {
      await reach(150);
      duringWrites.push(!writesOver);
      await killAudit('kill 1');
      await reach(350);
      duringWrites.push(!writesOver);
      note(`restart NATS at ${done} writes`);
      await stack.nats.restart();
      note(`NATS back at ${done} writes`);
      await reach(550);
      duringWrites.push(!writesOver);
      note(`restart PostgreSQL at ${done} writes`);
      const pg = await restartSharedPostgres(stack.db.name, note);
      note(`PostgreSQL back at ${done} writes (waited ${pg.waitedMs} ms for other test databases, down ${pg.downMs} ms)`);
      await reach(750);
      duringWrites.push(!writesOver);
      await killAudit('kill 2');
    };

    const writing = runWrites(gw, plan, { concurrency: 8, ratePerS: 20, stepDeadlineMs: 120_000, onDone: (n) => (done = n) }).finally(() => {
      writesOver = true;
      note(`writes finished: ${done}`);
    });
    const [stats] = await Promise.all([writing, chaos()]);
    note(`${stats.attempts} attempts for ${WRITES} writes; ${stats.retried} writes needed a retry`);
    expect(duringWrites).toEqual([true, true, true, true]);

    // Every write the client saw succeed has its one row; the audit API is how a user would check.
    const wanted = new Map(steps.map((s) => [s.requestId, s]));
    const ours = await waitFor(
      `${WRITES} audit rows for the chaos writes`,
      async () => {
        const rows = (await auditEvents(gw, {})).filter((e) => wanted.has(e.correlationId));
        return rows.length >= WRITES ? rows : null;
      },
      120_000,
      1000,
    );
    note(`all ${WRITES} audit rows present`);
    expect(ours).toHaveLength(WRITES);
    const byRequest = new Map<string, AuditEvent[]>();
    for (const e of ours) byRequest.set(e.correlationId, [...(byRequest.get(e.correlationId) ?? []), e]);
    for (const step of steps) {
      const rows = byRequest.get(step.requestId) ?? [];
      expect({ requestId: step.requestId, rows: rows.length }).toEqual({ requestId: step.requestId, rows: 1 });
      expect(rows[0]).toMatchObject({ subject: step.subject, aggregate: { id: step.aggregateId() } });
    }

    const all = await auditEvents(gw, {});
    expect(new Set(all.map((e) => e.eventId)).size).toBe(all.length);
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
    const verify = await request<{ ok: boolean; checked: number; anchor: { seq: number } | null }>(gw, 'GET', '/api/v1/audit/verify');
    expect(verify.status).toBe(200);
    expect(verify.body).toMatchObject({ ok: true, checked: all.length });
    expect(verify.body.anchor?.seq).toBeGreaterThanOrEqual(WRITES);
    const dead = await stack.db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit.dead_letters');
    expect(dead[0]?.n).toBe(0);
    const unpublished = await stack.db.query<{ n: number }>('SELECT count(*)::int AS n FROM registry.outbox WHERE published_at IS NULL');
    expect(unpublished[0]?.n).toBe(0);
  });
});
