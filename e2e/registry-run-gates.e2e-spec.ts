import { randomUUID } from 'node:crypto';
import { GateResult } from '@shipyard/contracts';
import { TestStack } from '@shipyard/testing';
import { request } from './http';
import { createVersion } from './model-versions';

interface ErrorBody {
  error: { code: string; message: string; details?: GateResult[] };
}
interface Compare {
  a: { version: number; run: { available: boolean; runId: string | null; name: string | null; experimentName: string | null } };
  b: { version: number; run: { available: boolean; runId: string | null; name: string | null; experimentName: string | null } };
  params: Array<{ key: string; a: string | null; b: string | null; changed: boolean }>;
  metrics: Array<{ key: string; a: number | null; b: number | null; delta: number | null }>;
}

/**
 * Metric gates and version comparison against the real experiments service: the registry reads the
 * source runs over NATS request-reply (rpc.experiments.run_summary.v1), no stand-in responder.
 */
describe('registry metric gates and compare with real runs (services as processes)', () => {
  let stack: TestStack;
  let alice: { url: string; token: string };

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['registry', 'experiments', 'api-gateway'] });
    alice = { url: stack.url('api-gateway'), token: (await stack.user('gates-scientist@example.com', 'data-scientist')).token };
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function run(experimentId: string, name: string, accuracy: number, params: Record<string, string>): Promise<string> {
    const created = await request<{ id: string }>(alice, 'POST', '/api/v1/runs', { body: { experimentId, name } });
    expect(created.status).toBe(201);
    const logged = await request(alice, 'POST', `/api/v1/runs/${created.body.id}/log-batch`, {
      body: { metrics: [{ key: 'accuracy', value: accuracy - 0.1, step: 0 }, { key: 'accuracy', value: accuracy, step: 1 }], params: Object.entries(params).map(([key, value]) => ({ key, value })) },
    });
    expect(logged.status).toBe(201);
    return created.body.id;
  }

  it('promotion is blocked by a failing metric gate (actual 0.85), allowed for the version whose run passes; compare diffs the two runs', async () => {
    const exp = await request<{ id: string; name: string }>(alice, 'POST', '/api/v1/experiments', { body: { name: `gates-${randomUUID().slice(0, 8)}` } });
    const weak = await run(exp.body.id, 'weak', 0.85, { lr: '0.1', depth: '6', optimizer: 'sgd' });
    const strong = await run(exp.body.id, 'strong', 0.95, { lr: '0.05', depth: '6' });
    const model = `gated-${randomUUID().slice(0, 8)}`;
    expect((await request(alice, 'POST', '/api/v1/models', { body: { name: model } })).status).toBe(201);
    await createVersion(alice, model, { sourceRunId: weak });
    await createVersion(alice, model, { sourceRunId: strong });
    // Gates are an admin's to set (the data scientist who promotes may not).
    const admin = { url: stack.url('api-gateway'), token: await stack.adminToken() };
    const gates = await request(admin, 'PUT', `/api/v1/models/${model}/gates`, { body: { metrics: [{ metric: 'accuracy', op: '>=', threshold: 0.9 }] } });
    expect(gates.status).toBe(200);
    const promote = (v: number) => request<ErrorBody & { decision: { allowed: boolean; gates: GateResult[] } }>(alice, 'POST', `/api/v1/models/${model}/versions/${v}/stage`, { body: { stage: 'Production' } });

    const blocked = await promote(1);
    expect([blocked.status, blocked.body.error.code]).toEqual([409, 'PROMOTION_BLOCKED']);
    expect(blocked.body.error.details).toEqual([{ gate: 'metric:accuracy >= 0.9', passed: false, actual: 0.85, expected: '>= 0.9', reason: 'accuracy is 0.85, needs >= 0.9' }]);

    const allowed = await promote(2);
    expect(allowed.status).toBe(200);
    expect(allowed.body.decision).toMatchObject({ allowed: true, gates: [{ gate: 'metric:accuracy >= 0.9', passed: true, actual: 0.95, reason: null }] });
    const decisions = await request<{ items: Array<{ allowed: boolean }> }>(alice, 'GET', `/api/v1/models/${model}/versions/1/stage-decisions`);
    expect(decisions.body.items.map((d) => d.allowed)).toEqual([false]);

    const compare = await request<Compare>(alice, 'GET', `/api/v1/models/${model}/versions/compare?a=1&b=2`);
    expect(compare.status).toBe(200);
    expect(compare.body.a.run).toMatchObject({ available: true, runId: weak, name: 'weak', experimentName: exp.body.name });
    expect(compare.body.b.run).toMatchObject({ available: true, runId: strong, name: 'strong' });
    expect(compare.body.params).toEqual([
      { key: 'depth', a: '6', b: '6', changed: false },
      { key: 'lr', a: '0.1', b: '0.05', changed: true },
      { key: 'optimizer', a: 'sgd', b: null, changed: true },
    ]);
    expect(compare.body.metrics.map((m) => [m.key, m.a, m.b])).toEqual([['accuracy', 0.85, 0.95]]);
    expect(compare.body.metrics[0]?.delta).toBeCloseTo(0.1, 10);
  });
});
