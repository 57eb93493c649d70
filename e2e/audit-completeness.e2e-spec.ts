import { randomUUID } from 'node:crypto';
import { TestStack, waitFor } from '@shipyard/testing';
import { auditEvents, mapLimit, request, Target } from './http';

/**
 * The audit trail must be complete whatever fails: every committed write reaches audit.events exactly
 * once. Services run as processes and are killed for real.
 */
describe('audit completeness under failure (services as processes)', () => {
  let stack: TestStack;
  let gw: Target;

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['audit', 'registry', 'api-gateway'] });
    gw = { url: stack.url('api-gateway'), token: await stack.adminToken() };
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** Creates `count` models named `<prefix>-<i>` with `concurrency` in flight; returns the ids of the 201s. */
  async function createModels(prefix: string, count: number, concurrency: number, onProgress?: (done: number) => void): Promise<string[]> {
    let done = 0;
    const results = await mapLimit(Array.from({ length: count }, (_, i) => i), concurrency, async (i) => {
      for (let attempt = 0; ; attempt++) {
        const res = await request<{ id: string; error?: { code: string } }>(gw, 'POST', '/api/v1/models', { body: { name: `${prefix}-${i}` } });
        // A 503 means the gateway could not reach the registry: nothing was written, so retrying is safe.
        if (res.status === 503 && attempt < 50) {
          await new Promise((r) => setTimeout(r, 100));
          continue;
        }
        if (res.status !== 201) throw new Error(`create ${prefix}-${i} answered ${res.status}: ${JSON.stringify(res.body)}`);
        onProgress?.(++done);
        return res.body.id;
      }
    });
    return results;
  }

  /** Waits until audit holds exactly one model.created row for each id, and returns them. */
  async function expectAudited(ids: string[], timeoutMs = 60_000): Promise<void> {
    const wanted = new Set(ids);
    const rows = await waitFor(
      `${ids.length} model.created audit rows`,
      async () => {
        const events = (await auditEvents(gw, { subject: 'shipyard.registry.model.created.v1' })).filter((e) => wanted.has(e.aggregate.id));
        return events.length >= ids.length ? events : null;
      },
      timeoutMs,
      250,
    );
    expect(rows).toHaveLength(ids.length);
    expect(new Set(rows.map((r) => r.aggregate.id)).size).toBe(ids.length);
    expect(new Set(rows.map((r) => r.eventId)).size).toBe(ids.length);
  }

  it('200 concurrent creations → exactly 200 model.created audit rows, no duplicates', async () => {
    const ids = await createModels(`conc-${randomUUID().slice(0, 6)}`, 200, 200);
    expect(new Set(ids).size).toBe(200);
    await expectAudited(ids);
  });

  it('audit SIGKILLed during 500 writes and restarted → all 500 rows arrive', async () => {
    const audit = stack.service('audit');
    const kills: Array<Promise<unknown>> = [];
    const ids = await createModels(`auditkill-${randomUUID().slice(0, 6)}`, 500, 16, (done) => {
      if (done === 100) kills.push(audit.kill('SIGKILL'));
    });
    expect(kills).toHaveLength(1);
    await Promise.all(kills);
    expect(audit.running).toBe(false);
    audit.start();
    await audit.waitReady();
    await expectAudited(ids);
  });

  it('NATS stopped during writes → writes still succeed (outbox), and every event reaches audit after NATS returns', async () => {
    const prefix = `natsdown-${randomUUID().slice(0, 6)}`;
    const before = await createModels(`${prefix}-a`, 50, 8);
    await stack.nats.stop();
    const during = await createModels(`${prefix}-b`, 100, 8);
    expect(during).toHaveLength(100);
    const pending = await stack.db.query<{ n: string }>('SELECT count(*) AS n FROM registry.outbox WHERE published_at IS NULL');
    expect(Number(pending[0]?.n)).toBeGreaterThanOrEqual(100);
    await stack.nats.restart();
    const after = await createModels(`${prefix}-c`, 50, 8);
    await expectAudited([...before, ...during, ...after], 90_000);
  });

  it('registry SIGKILLed between commit and publish → the events are published after restart, none lost', async () => {
    const registry = stack.service('registry');
    await registry.kill('SIGTERM');
    // With the relay off, a write commits its row and outbox event and nothing publishes it: the state
    // a crash between commit and publish leaves behind.
    registry.start({ SHIPYARD_OUTBOX_RELAY_ENABLED: 'false' });
    await registry.waitReady();
    const ids = await createModels(`crash-${randomUUID().slice(0, 6)}`, 100, 8);
    const unpublished = await stack.db.query<{ n: string }>('SELECT count(*) AS n FROM registry.outbox WHERE published_at IS NULL');
    expect(Number(unpublished[0]?.n)).toBe(100);
    const auditedSoFar = (await auditEvents(gw, { subject: 'shipyard.registry.model.created.v1' })).filter((e) => ids.includes(e.aggregate.id));
    expect(auditedSoFar).toHaveLength(0);

    await registry.kill('SIGKILL');
    registry.start();
    await registry.waitReady();
    await expectAudited(ids);
  });

  it('leaves a gap-free audit chain behind', async () => {
    const all = await auditEvents(gw, {});
    expect(all.map((e) => e.seq)).toEqual(all.map((_, i) => i + 1));
  });
});
