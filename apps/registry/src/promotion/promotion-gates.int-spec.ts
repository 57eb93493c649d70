import { randomUUID } from 'node:crypto';
import type { CompareResponse, GateResult, StageChangeResponse, StageDecisionPageResponse } from '@shipyard/contracts';
import { DataSource } from 'typeorm';
import { caller, RegistryHarness, run } from '../../test/registry-harness';
import { violates } from '../reviews/decide-review.use-case';
import { ResolveVersionResponder } from '../rpc/resolve-version.responder';
import { ReviewsRepository } from '../reviews/reviews.repository';

interface ErrorBody {
  error: { code: string; message: string; details?: GateResult[] };
}

/**
 * Promotion gates and compare against a real PostgreSQL and a real RpcServer answering RUN_SUMMARY_RPC
 * on a private NATS (the experiments service's own responder lives on another branch for now).
 */
describe('registry governance: metric gates, approvals, card gate, compare (real PG + NATS RPC)', () => {
  let h: RegistryHarness;
  const writer = caller('data-scientist');
  const approver = caller('approver');
  const approver2 = caller('approver');
  const admin = caller('admin'); // sets gates (only admin may)

  beforeAll(async () => {
    h = await RegistryHarness.start();
    await h.startExperiments();
  });

  afterAll(async () => {
    await h?.stop();
  });

  /** A model with versions created through the API; `runs[i]` is version i+1's source run (null: none). */
  async function model(runs: Array<string | null>): Promise<{ id: string; name: string }> {
    const name = `m-${randomUUID().slice(0, 8)}`;
    const created = await h.call<{ id: string }>(writer, 'POST', '/api/v1/models', { name });
    expect(created.status).toBe(201);
    for (const r of runs) expect((await h.call(writer, 'POST', `/api/v1/models/${name}/versions`, { framework: 'onnx', ...(r ? { sourceRunId: r } : {}) })).status).toBe(201);
    return { id: created.body.id, name };
  }

  const promote = (name: string, v: number, body: object = { stage: 'Production' }) => h.call<StageChangeResponse & ErrorBody>(writer, 'POST', `/api/v1/models/${name}/versions/${v}/stage`, body);

  it('blocks Production while a metric gate fails, lists every gate, records the refusal, and allows once the run passes', async () => {
    h.runs.set('run-low', run('run-low', { lr: '0.1' }, { accuracy: 0.85, loss: 0.3 }));
    h.runs.set('run-high', run('run-high', { lr: '0.05' }, { accuracy: 0.93, loss: 0.2 }));
    const m = await model(['run-low', 'run-high', null, 'run-gone']);
    for (const v of [1, 2, 3, 4]) await h.markReady(m.id, v);
    const gates = await h.call(admin, 'PUT', `/api/v1/models/${m.name}/gates`, { metrics: [{ metric: 'accuracy', op: '>=', threshold: 0.9 }, { metric: 'loss', op: '<', threshold: 0.25 }] });
    expect(gates.status).toBe(200);

    const refused = await promote(m.name, 1);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('PROMOTION_BLOCKED');
    expect(refused.body.error.details).toEqual([
      { gate: 'metric:accuracy >= 0.9', passed: false, actual: 0.85, expected: '>= 0.9', reason: 'accuracy is 0.85, needs >= 0.9' },
      { gate: 'metric:loss < 0.25', passed: false, actual: 0.3, expected: '< 0.25', reason: 'loss is 0.3, needs < 0.25' },
    ]);
    expect((await h.call<{ stage: string }>(writer, 'GET', `/api/v1/models/${m.name}/versions/1`)).body.stage).toBe('None');

    const noRun = await promote(m.name, 3);
    expect(noRun.body.error.details?.map((g) => g.reason)).toEqual(['version has no source run (sourceRunId is not set)', 'version has no source run (sourceRunId is not set)']);
    const gone = await promote(m.name, 4);
    expect(gone.body.error.details?.[0]).toMatchObject({ passed: false, actual: null, reason: 'source run "run-gone" was not found in experiments' });

    const allowed = await promote(m.name, 2);
    expect(allowed.status).toBe(200);
    expect(allowed.body.version).toMatchObject({ version: 2, stage: 'Production' });
    expect(allowed.body.decision).toMatchObject({ fromStage: 'None', toStage: 'Production', allowed: true, archivedVersions: [] });
    expect(allowed.body.decision.gates.map((g) => [g.gate, g.passed, g.actual])).toEqual([['metric:accuracy >= 0.9', true, 0.93], ['metric:loss < 0.25', true, 0.2]]);

    const history = await h.call<StageDecisionPageResponse>(writer, 'GET', `/api/v1/models/${m.name}/versions/1/stage-decisions`);
    expect(history.body.items).toHaveLength(1);
    expect(history.body.items[0]).toMatchObject({ allowed: false, fromStage: 'None', toStage: 'Production', gates: refused.body.error.details });

    const v1 = await h.db.query<{ id: string }>('SELECT id FROM registry.model_versions WHERE model_id = $1 AND version = 1', [m.id]);
    const events = await h.events(v1[0]?.id ?? '');
    expect(events.map((e) => e.type)).toEqual(['shipyard.registry.model_version.created.v1', 'shipyard.registry.model_version.promotion_refused.v1']);
    expect(events[1]?.payload).toMatchObject({ failedGates: ['metric:accuracy >= 0.9', 'metric:loss < 0.25'], toStage: 'Production' });
  });

  it('says "experiments service unavailable" in the gate result when no responder answers, and still refuses', async () => {
    h.runs.set('run-ok', run('run-ok', {}, { accuracy: 0.99 }));
    const m = await model(['run-ok']);
    await h.markReady(m.id, 1);
    await h.call(admin, 'PUT', `/api/v1/models/${m.name}/gates`, { metrics: [{ metric: 'accuracy', op: '>=', threshold: 0.9 }] });
    await h.stopExperiments();
    try {
      const refused = await promote(m.name, 1);
      expect(refused.status).toBe(409);
      expect(refused.body.error.details).toEqual([{ gate: 'metric:accuracy >= 0.9', passed: false, actual: null, expected: '>= 0.9', reason: 'experiments service unavailable' }]);
    } finally {
      await h.startExperiments();
    }
    expect((await promote(m.name, 1)).status).toBe(200);
  });

  it('needs the card Approved and the required approvals from someone other than the submitter; archives the previous Production version when asked', async () => {
    const m = await model([null, null]);
    for (const v of [1, 2]) await h.markReady(m.id, v);
    expect((await promote(m.name, 1)).status).toBe(200); // no gates yet
    await h.call(admin, 'PUT', `/api/v1/models/${m.name}/gates`, { requireCard: true, requiredApprovals: 2 });

    const blocked = await promote(m.name, 2, { stage: 'Production', archiveExisting: true });
    expect(blocked.body.error.details).toEqual([
      { gate: 'card', passed: false, actual: null, expected: 'Approved', reason: 'the version has no model card' },
      { gate: 'approvals', passed: false, actual: 0, expected: 2, reason: 'the version has not been submitted for review' },
    ]);

    const card = `/api/v1/models/${m.name}/versions/2/card`;
    expect((await h.call(writer, 'PUT', card, { intendedUse: 'churn scoring', owners: ['growth'], status: 'PendingReview' })).status).toBe(201);
    expect((await h.call<ErrorBody>(writer, 'PUT', card, { status: 'Approved' })).body.error.code).toBe('APPROVAL_PERMISSION_REQUIRED');
    expect((await h.call(approver, 'PUT', card, { status: 'Approved' })).status).toBe(200);

    const submitted = await h.call<{ id: string }>(approver, 'POST', `/api/v1/models/${m.name}/versions/2/reviews`, { comment: 'please look' });
    expect(submitted.status).toBe(201);
    const decide = (who: typeof approver) => h.call<{ status: string } & ErrorBody>(who, 'POST', `/api/v1/models/${m.name}/versions/2/reviews/${submitted.body.id}/decision`, { decision: 'approve', comment: 'looks good' });
    const self = await decide(approver);
    expect(self.status).toBe(403);
    expect(self.body.error.code).toBe('SELF_REVIEW_FORBIDDEN');
    expect((await decide(approver2)).body.status).toBe('PENDING'); // 1 of 2

    const oneShort = await promote(m.name, 2, { stage: 'Production', archiveExisting: true });
    expect(oneShort.body.error.details?.map((g) => [g.gate, g.passed, g.actual])).toEqual([['card', true, 'Approved'], ['approvals', false, 1]]);

    expect((await decide(admin)).body.status).toBe('APPROVED');
    const promoted = await promote(m.name, 2, { stage: 'Production', archiveExisting: true });
    expect(promoted.status).toBe(200);
    expect(promoted.body.decision.archivedVersions).toEqual([1]);
    expect((await h.call<{ stage: string }>(writer, 'GET', `/api/v1/models/${m.name}/versions/1`)).body.stage).toBe('Archived');
    const v2 = promoted.body.version.id;
    const event = (await h.events(v2)).find((e) => e.type === 'shipyard.registry.model_version.promoted.v1');
    expect(event).toMatchObject({ before: { stage: 'None', archived: [{ version: 1, stage: 'Production' }] }, after: { stage: 'Production', archived: [{ version: 1, stage: 'Archived' }] }, payload: { archivedVersions: [1] } });
    expect((await h.call(writer, 'GET', `/api/v1/models?stage=Archived&namePrefix=${m.name}`)).body).toMatchObject({ items: [{ name: m.name }] });
  });

  it('compares two versions of a real run pair: params and metrics diff, signature, artifact, stage, aliases, card', async () => {
    h.runs.set('run-a', run('run-a', { lr: '0.1', depth: '6' }, { accuracy: 0.88, auc: 0.9 }));
    h.runs.set('run-b', run('run-b', { lr: '0.05', depth: '6', seed: '7' }, { accuracy: 0.92 }));
    const m = await model(['run-a', 'run-b', 'run-missing']);
    const sig = (width: number) => ({ inputs: [{ name: 'x', dtype: 'float32', shape: [-1, width] }], outputs: [{ name: 'y', dtype: 'float32', shape: [-1, 1] }] });
    await h.markReady(m.id, 1, { size: 100, sha256: '1'.repeat(64), signature: sig(16) });
    await h.markReady(m.id, 2, { size: 140, sha256: '2'.repeat(64), signature: sig(32) });
    expect((await h.call(writer, 'PUT', `/api/v1/models/${m.name}/aliases/champion`, { version: 2 })).status).toBe(200);
    await h.call(writer, 'PUT', `/api/v1/models/${m.name}/versions/1/card`, { intendedUse: 'x' });

    const res = await h.call<CompareResponse>(writer, 'GET', `/api/v1/models/${m.name}/versions/compare?a=1&b=champion`);
    expect(res.status).toBe(200);
    expect(res.body.a).toMatchObject({ version: 1, stage: 'None', aliases: [], cardStatus: 'Draft', artifact: { size: 100, sha256: '1'.repeat(64) }, run: { available: true, runId: 'run-a', experimentName: 'churn' } });
    expect(res.body.b).toMatchObject({ version: 2, aliases: ['champion'], cardStatus: null, run: { available: true, runId: 'run-b' } });
    expect(res.body.params).toEqual([
      { key: 'depth', a: '6', b: '6', changed: false },
      { key: 'lr', a: '0.1', b: '0.05', changed: true },
      { key: 'seed', a: null, b: '7', changed: true },
    ]);
    expect(res.body.metrics).toEqual([
      { key: 'accuracy', a: 0.88, b: 0.92, delta: expect.closeTo(0.04, 10) },
      { key: 'auc', a: 0.9, b: null, delta: null },
    ]);
    expect(res.body.signature).toMatchObject({ available: true, equal: false, inputs: [{ name: 'x', a: 'float32[-1,16]', b: 'float32[-1,32]', changed: true }] });
    expect(res.body.artifact).toEqual({ sameSha256: false, sizeDelta: 40 });

    const missing = await h.call<CompareResponse>(writer, 'GET', `/api/v1/models/${m.name}/versions/compare?a=1&b=3`);
    expect(missing.body.b.run).toMatchObject({ available: false, runId: 'run-missing', reason: 'source run "run-missing" was not found in experiments' });
    expect(missing.body.metrics.map((x) => [x.key, x.b])).toEqual([['accuracy', null], ['auc', null]]);

    await h.stopExperiments();
    try {
      const down = await h.call<CompareResponse>(writer, 'GET', `/api/v1/models/${m.name}/versions/compare?a=1&b=2`);
      expect(down.status).toBe(200);
      expect(down.body.a.run).toMatchObject({ available: false, reason: 'experiments service unavailable' });
      expect(down.body.params).toEqual([]);
    } finally {
      await h.startExperiments();
    }
    expect((await h.call<ErrorBody>(writer, 'GET', `/api/v1/models/${m.name}/versions/compare?a=1&b=nope`)).body.error.code).toBe('ALIAS_NOT_FOUND');
    expect((await h.call<ErrorBody>(writer, 'GET', `/api/v1/models/${m.name}/versions/compare?a=1`)).status).toBe(400);
  });

  it('lets only an admin change the gates: a data scientist or an approver, who can both promote, gets 403 and changes nothing', async () => {
    const m = await model([null]);
    await h.markReady(m.id, 1);
    expect((await h.call(admin, 'PUT', `/api/v1/models/${m.name}/gates`, { requireCard: true, requiredApprovals: 2 })).status).toBe(200);
    const events = async () => (await h.events(m.id)).filter((e) => e.type === 'shipyard.registry.model_gates.updated.v1').length;
    expect(await events()).toBe(1);
    for (const who of [writer, approver]) {
      const res = await h.call<ErrorBody>(who, 'PUT', `/api/v1/models/${m.name}/gates`, { requireCard: false, requiredApprovals: 0 });
      expect([who.role, res.status, res.body.error.code, res.body.error.message]).toEqual([who.role, 403, 'FORBIDDEN', 'changing promotion gates requires the admin permission']);
    }
    expect((await h.call(writer, 'GET', `/api/v1/models/${m.name}/gates`)).body).toMatchObject({ requireCard: true, requiredApprovals: 2, updatedBy: `user:${admin.userId}` });
    expect(await events()).toBe(1);
    expect((await promote(m.name, 1)).body.error.code).toBe('PROMOTION_BLOCKED');
    expect((await h.call(admin, 'PUT', `/api/v1/models/${m.name}/gates`, {})).status).toBe(200);
    expect((await promote(m.name, 1)).status).toBe(200);
  });

  it('answers every client mistake with a JSON 4xx and a stable code, never a 500', async () => {
    const m = await model([null]);
    const v = `/api/v1/models/${m.name}/versions`;
    const cases: Array<[string, 'GET' | 'POST' | 'PUT' | 'DELETE', string, object | undefined, number, string]> = [
      ['version not a number', 'POST', `${v}/abc/stage`, { stage: 'Staging' }, 400, 'INVALID_VERSION_NUMBER'],
      ['unknown stage', 'POST', `${v}/1/stage`, { stage: 'Prod' }, 400, 'VALIDATION_FAILED'],
      ['same stage', 'POST', `${v}/1/stage`, { stage: 'None' }, 409, 'STAGE_UNCHANGED'],
      ['not READY', 'POST', `${v}/1/stage`, { stage: 'Production' }, 409, 'VERSION_NOT_READY'],
      ['reserved alias', 'PUT', `/api/v1/models/${m.name}/aliases/v2`, { version: 1 }, 400, 'INVALID_ALIAS'],
      ['alias without version', 'PUT', `/api/v1/models/${m.name}/aliases/champion`, {}, 400, 'VALIDATION_FAILED'],
      ['unknown gate operator', 'PUT', `/api/v1/models/${m.name}/gates`, { metrics: [{ metric: 'acc', op: '=>', threshold: 1 }] }, 400, 'VALIDATION_FAILED'],
      ['too many approvals', 'PUT', `/api/v1/models/${m.name}/gates`, { requiredApprovals: 11 }, 400, 'VALIDATION_FAILED'],
      ['unknown card field', 'PUT', `${v}/1/card`, { intendedUse: 'x', color: 'red' }, 400, 'VALIDATION_FAILED'],
      ['review id not a uuid', 'POST', `${v}/1/reviews/42/decision`, { decision: 'approve', comment: 'x' }, 404, 'REVIEW_NOT_FOUND'],
      ['unknown review', 'POST', `${v}/1/reviews/${randomUUID()}/decision`, { decision: 'approve', comment: 'x' }, 404, 'REVIEW_NOT_FOUND'],
      ['decision without comment', 'POST', `${v}/1/reviews/${randomUUID()}/decision`, { decision: 'approve' }, 400, 'VALIDATION_FAILED'],
      ['bad cursor', 'GET', `${v}/1/stage-decisions?cursor=zzz`, undefined, 400, 'INVALID_CURSOR'],
      ['unknown model', 'GET', '/api/v1/models/nope-nope/gates', undefined, 404, 'MODEL_NOT_FOUND'],
      ['unknown version', 'GET', `${v}/7/card.md`, undefined, 404, 'VERSION_NOT_FOUND'],
      ['no card yet', 'GET', `${v}/1/card.md`, undefined, 404, 'CARD_NOT_FOUND'],
      ['unknown list filter', 'GET', '/api/v1/models?stage=Live', undefined, 400, 'VALIDATION_FAILED'],
    ];
    const seen = [];
    for (const [what, method, url, body, status, code] of cases) {
      const res = await h.call<ErrorBody>(approver, method, url, body);
      seen.push([what, res.status, res.body.error?.code, String(res.headers['content-type'])]);
      expect([what, res.status, res.body.error?.code]).toEqual([what, status, code]);
    }
    expect(seen.every(([, , , type]) => String(type).startsWith('application/json'))).toBe(true);
  });

  it('names the model, not its id, when a second review is submitted while one is open', async () => {
    const m = await model([null]);
    expect((await h.call(approver, 'POST', `/api/v1/models/${m.id}/versions/1/reviews`, {})).status).toBe(201);
    const second = await h.call<ErrorBody>(approver, 'POST', `/api/v1/models/${m.id}/versions/1/reviews`, {});
    expect([second.status, second.body.error]).toEqual([409, expect.objectContaining({ code: 'REVIEW_ALREADY_OPEN', message: `version 1 of "${m.name}" already has an open review; decide it first` })]);
  });

  it('says which version inference asked for and the model lacks, in plain words', async () => {
    const m = await model([null]);
    const resolver = h.app.get(ResolveVersionResponder);
    await expect(resolver.resolve({ model: m.name, stage: 'Production', urlExpirySeconds: 60 })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND', message: `model "${m.name}" has no version in stage Production` });
    await expect(resolver.resolve({ model: m.name, urlExpirySeconds: 60 })).rejects.toMatchObject({ code: 'VERSION_NOT_FOUND', message: `model "${m.name}" has no READY version` });
  });

  it('backs the four-eyes rule with a CHECK under the constraint name the use case translates, and keeps decisions append-only', async () => {
    const m = await model([null]);
    const review = await h.call<{ id: string }>(approver, 'POST', `/api/v1/models/${m.name}/versions/1/reviews`, {});
    const repo = h.app.get(ReviewsRepository);
    const selfDecision = { reviewId: review.body.id, approverUser: approver.userId, approver: `user:${approver.userId}`, submittedByUser: approver.userId, decision: 'approve' as const, comment: 'sneaky', decidedAt: new Date() };
    const error = await h.app.get(DataSource).transaction((em) => repo.insertDecision(em, selfDecision)).then(() => null, (e: unknown) => e);
    expect(violates(error, 'review_decisions_not_self', ['23514'])).toBe(true);

    await h.call(writer, 'POST', `/api/v1/models/${m.name}/versions/1/stage`, { stage: 'Staging' });
    await expect(h.db.query('UPDATE registry.stage_decisions SET allowed = false')).rejects.toThrow(/never change/);
    await expect(h.db.query('DELETE FROM registry.stage_decisions')).rejects.toThrow(/never change/);
  });
});
