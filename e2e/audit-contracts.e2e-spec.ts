import { randomUUID } from 'node:crypto';
import { connect, headers as natsHeaders, NatsConnection } from 'nats';
import { EVENT_CATALOG } from '@shipyard/contracts';
import { TestStack, waitFor } from '@shipyard/testing';
import { AUDIT_PRODUCERS, ProducedEvent } from './audit-producers';
import { auditEvents, AuditEvent, request, Target } from './http';

const WRITE_SUBJECTS = Object.keys(EVENT_CATALOG).sort();

/**
 * Completeness of the audit trail by contract: every write subject in libs/contracts has a producer
 * that, driven through the gateway, makes its event land in audit with the request id that caused it.
 * Also what reaches NATS without a producer: unknown subjects are kept as they are, malformed
 * messages become dead letters, and the consumer carries on.
 */
describe('audit: every contract subject reaches the trail (services as processes)', () => {
  let stack: TestStack;
  let gw: Target;
  let nc: NatsConnection;

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['audit', 'registry', 'experiments', 'inference', 'api-gateway'] });
    gw = { url: stack.url('api-gateway'), token: await stack.adminToken() };
    nc = await connect({ servers: stack.nats.url });
  });

  afterAll(async () => {
    await nc?.close();
    await stack?.stop();
  });

  const auditRow = (produced: ProducedEvent) =>
    waitFor(`audit row for ${produced.subject} (${produced.requestId})`, async () => {
      const rows = await auditEvents(gw, { correlationId: produced.requestId, subject: produced.subject });
      return rows.length > 0 ? rows : null;
    }, 30_000, 100);

  it('knows at least the registry subjects', () => {
    expect(WRITE_SUBJECTS).toEqual(expect.arrayContaining(['shipyard.registry.model.created.v1', 'shipyard.registry.model.updated.v1', 'shipyard.registry.model.deleted.v1']));
  });

  it.each(WRITE_SUBJECTS)('%s has a producer whose event reaches audit exactly once', async (subject) => {
    const producer = AUDIT_PRODUCERS.find((p) => p.subject === subject);
    if (!producer) throw new Error(`no producer for ${subject}: add one to e2e/audit-producers.ts showing how a client causes it`);
    const produced = await producer.produce(gw);
    const rows = await auditRow(produced);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ subject, correlationId: produced.requestId, aggregate: produced.aggregate });
  });

  it('records a valid event on a subject no contract knows, as it is', async () => {
    const id = randomUUID();
    const envelope = { id, type: 'shipyard.future.widget.invented.v2', version: 2, occurredAt: new Date().toISOString(), actor: { type: 'system', id: 'e2e' }, correlationId: `unknown-${id}`, aggregate: { type: 'widget', id: 'w1' }, payload: { anything: [1, 'two'] } };
    await nc.jetstream().publish(envelope.type, Buffer.from(JSON.stringify(envelope)), { msgID: id });
    const rows = await waitFor('unknown subject recorded', async () => (await auditEvents(gw, { correlationId: envelope.correlationId })).at(0), 30_000, 100);
    expect(rows).toMatchObject({ eventId: id, subject: envelope.type, action: 'widget.invented', payload: envelope.payload });
  });

  it('dead-letters a malformed message published straight to NATS, counts it, and keeps consuming', async () => {
    const before = await deadLetterMetric();
    const h = natsHeaders();
    h.set('x-request-id', 'malformed-e2e');
    await nc.jetstream().publish('shipyard.registry.model.created.v1', Buffer.from('{"id": "not-an-envelope"'), { headers: h });
    const producer = AUDIT_PRODUCERS.find((p) => p.subject === 'shipyard.registry.model.created.v1');
    const after = await producer?.produce(gw);
    if (!after) throw new Error('no model.created producer');
    await auditRow(after);
    const dead = await stack.db.query<{ raw: Buffer; reason: string; headers: Record<string, string> }>("SELECT raw, reason, headers FROM audit.dead_letters WHERE headers->>'x-request-id' = 'malformed-e2e'");
    expect(dead).toHaveLength(1);
    expect(dead[0]?.raw.toString()).toBe('{"id": "not-an-envelope"');
    expect(dead[0]?.reason).toMatch(/^not JSON/);
    expect(await deadLetterMetric()).toBe(before + 1);
  });

  it('shows an update as a readable diff, verifies the chain, and exports what it shows', async () => {
    const created = await request<{ id: string }>(gw, 'POST', '/api/v1/models', { body: { name: `diff-${randomUUID().slice(0, 8)}`, tags: ['a'] } });
    const id = created.body.id;
    await request(gw, 'PATCH', `/api/v1/models/${id}`, { body: { tags: ['a', 'b'], description: 'now described' } });
    const events = await waitFor('two events for the model', async () => {
      const res = await request<{ items: Array<AuditEvent & { diff?: unknown[] }> }>(gw, 'GET', `/api/v1/audit/events?aggregateId=${id}&include=diff`);
      return res.body.items.length === 2 ? res.body.items : null;
    });
    expect(events[1]?.diff).toEqual([
      { field: 'description', change: 'changed', before: null, after: 'now described' },
      { field: 'tags', change: 'changed', before: ['a'], after: ['a', 'b'] },
    ]);
    const plain = await request<{ items: Array<Record<string, unknown>> }>(gw, 'GET', `/api/v1/audit/events?aggregateId=${id}`);
    expect(plain.body.items[0]).not.toHaveProperty('diff');

    const verify = await request<{ ok: boolean; checked: number }>(gw, 'GET', '/api/v1/audit/verify');
    expect(verify).toMatchObject({ status: 200, body: { ok: true } });
    expect((await request(gw, 'GET', '/api/v1/audit/verify?from=0')).status).toBe(400);

    const csv = await fetch(`${stack.url('api-gateway')}/api/v1/audit/export?format=csv&aggregateId=${id}`, { headers: { authorization: `Bearer ${await stack.adminToken()}` } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="audit-events-.+\.csv"$/);
    const lines = (await csv.text()).split('\r\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(lines[2]).toContain('model.updated');
    expect((await request(gw, 'GET', '/api/v1/audit/export?format=xml')).status).toBe(400);
  });

  it('requires audit:read for every audit route', async () => {
    const viewer = await stack.user(`viewer-${randomUUID().slice(0, 6)}@example.com`, 'viewer');
    for (const path of ['/api/v1/audit/events', '/api/v1/audit/verify', '/api/v1/audit/export']) {
      expect({ path, status: (await request(gw, 'GET', path, { token: viewer.token })).status }).toEqual({ path, status: 403 });
      expect({ path, status: (await request(gw, 'GET', path, { token: null })).status }).toEqual({ path, status: 401 });
    }
  });

  async function deadLetterMetric(): Promise<number> {
    const text = await (await fetch(`${stack.url('audit')}/metrics`)).text();
    const line = text.split('\n').find((l) => l.startsWith('shipyard_audit_dead_letters_total'));
    return line ? Number(line.split(' ').pop()) : 0;
  }
});
