import { randomUUID } from 'node:crypto';
import { GateResult, Role } from '@shipyard/contracts';
import { TestStack, waitFor } from '@shipyard/testing';
import { auditEvents, request, Target } from './http';
import { createVersion } from './model-versions';

interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: GateResult[] };
}
interface Person {
  id: string;
  token: string;
  role: Role;
}

/**
 * Governance through the gateway, services as processes: RBAC on every write, the four-eyes rule,
 * promotion gates (approvals, card; metric gates against the real experiments service are in
 * e2e/registry-run-gates.e2e-spec.ts), the card state machine, aliases, audit. Versions are created and
 * uploaded through the gateway's version and artifact routes, as users do.
 */
describe('registry governance through the gateway (services as processes)', () => {
  let stack: TestStack;
  let gw: string;
  let alice: Person; // data scientist
  let viewer: Person;
  let ann: Person; // approver
  let bob: Person; // approver
  let root: Person; // admin: the only role that sets gates

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['audit', 'registry', 'api-gateway'] });
    gw = stack.url('api-gateway');
    const person = async (role: Role): Promise<Person> => ({ ...(await stack.user(`${role}-${randomUUID().slice(0, 6)}@example.com`, role)), role });
    [alice, viewer, ann, bob, root] = [await person('data-scientist'), await person('viewer'), await person('approver'), await person('approver'), await person('admin')];
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const as = (p: Person): Target => ({ url: gw, token: p.token });

  /** A model with `n` versions, created and (when `ready`) uploaded through the gateway as a user would. */
  async function model(n: number, ready = true, sourceRunId?: string): Promise<{ id: string; name: string; versionIds: string[] }> {
    const name = `gov-${randomUUID().slice(0, 8)}`;
    const created = await request<{ id: string }>(as(alice), 'POST', '/api/v1/models', { body: { name } });
    expect(created.status).toBe(201);
    const versionIds: string[] = [];
    for (let i = 0; i < n; i++) versionIds.push((await createVersion({ url: gw, token: alice.token }, name, { ready, ...(sourceRunId ? { sourceRunId } : {}) })).id);
    return { id: created.body.id, name, versionIds };
  }

  it('RBAC: a viewer cannot write, a data scientist cannot approve, an approver cannot approve their own submission', async () => {
    const m = await model(1);
    const v1 = `/api/v1/models/${m.name}/versions/1`;
    const writes: Array<[string, string, object]> = [
      ['PUT', `/api/v1/models/${m.name}/aliases/champion`, { version: 1 }],
      ['DELETE', `/api/v1/models/${m.name}/aliases/champion`, {}],
      ['POST', `${v1}/stage`, { stage: 'Staging' }],
      ['PUT', `/api/v1/models/${m.name}/gates`, { requiredApprovals: 1 }],
      ['POST', `${v1}/reviews`, {}],
      ['PUT', `${v1}/card`, { intendedUse: 'x' }],
    ];
    for (const [method, path, body] of writes) {
      const res = await request<ErrorBody>(as(viewer), method, path, method === 'DELETE' ? {} : { body });
      expect([`${method} ${path}`, res.status, res.body.error.code]).toEqual([`${method} ${path}`, 403, 'FORBIDDEN']);
    }
    for (const path of [`${v1}/reviews`, `${v1}/stage-decisions`, `/api/v1/models/${m.name}/gates`, `/api/v1/models/${m.name}/versions/compare?a=1&b=1`]) {
      expect([path, (await request(as(viewer), 'GET', path)).status]).toEqual([path, 200]);
    }

    const review = await request<{ id: string }>(as(alice), 'POST', `${v1}/reviews`, { body: { comment: 'ready for a look' } });
    expect(review.status).toBe(201);
    const decide = (p: Person, reviewId = review.body.id) => request<ErrorBody & { status: string }>(as(p), 'POST', `${v1}/reviews/${reviewId}/decision`, { body: { decision: 'approve', comment: 'ok' } });
    expect((await decide(alice)).status).toBe(403); // no models:approve: refused at the gateway

    await request(as(alice), 'PUT', `${v1}/card`, { body: { intendedUse: 'churn', owners: ['growth'], status: 'PendingReview' } });
    const cardByWriter = await request<ErrorBody>(as(alice), 'PUT', `${v1}/card`, { body: { status: 'Approved' } });
    expect([cardByWriter.status, cardByWriter.body.error.code]).toEqual([403, 'APPROVAL_PERMISSION_REQUIRED']);

    // Ann submits, so Ann may not decide (the service's check; the DB CHECK backs it up).
    const own = await request<{ id: string }>(as(ann), 'POST', `/api/v1/models/${m.name}/versions/1/reviews`, {});
    expect(own.status).toBe(409); // one open review per version
    expect((await decide(bob)).body.status).toBe('APPROVED');
    const annReview = await request<{ id: string }>(as(ann), 'POST', `${v1}/reviews`, { body: {} });
    const self = await decide(ann, annReview.body.id);
    expect([self.status, self.body.error.code]).toEqual([403, 'SELF_REVIEW_FORBIDDEN']);
    const bobDecides = await decide(bob, annReview.body.id);
    expect(bobDecides.body.status).toBe('APPROVED');
    expect((await decide(bob, annReview.body.id)).body.error.code).toBe('REVIEW_CLOSED');
    expect((await request<ErrorBody>(as(ann), 'POST', `${v1}/reviews/not-a-uuid/decision`, { body: { decision: 'approve', comment: 'x' } })).status).toBe(404);
  });

  it('gates are set by an admin only: a data scientist or an approver (both can promote) gets 403 and cannot switch them off', async () => {
    const m = await model(1);
    const gates = `/api/v1/models/${m.name}/gates`;
    expect((await request(as(root), 'PUT', gates, { body: { requireCard: true, requiredApprovals: 1 } })).status).toBe(200);
    for (const p of [alice, ann]) {
      const res = await request<ErrorBody>(as(p), 'PUT', gates, { body: { requireCard: false, requiredApprovals: 0 } });
      expect([p.role, res.status, res.body.error.code]).toEqual([p.role, 403, 'FORBIDDEN']);
    }
    expect((await request(as(alice), 'GET', gates)).body).toMatchObject({ requireCard: true, requiredApprovals: 1, updatedBy: `user:${root.id}` });
    const promote = await request<ErrorBody>(as(alice), 'POST', `/api/v1/models/${m.name}/versions/1/stage`, { body: { stage: 'Production' } });
    expect([promote.status, promote.body.error.code]).toEqual([409, 'PROMOTION_BLOCKED']);
    const key = await request<{ key: string }>(as(root), 'POST', '/api/v1/api-keys', { body: { name: 'gates-admin', scopes: ['admin'] } });
    expect((await request({ url: gw, token: key.body.key }, 'PUT', gates, { body: {} })).status).toBe(200);
    expect((await request(as(alice), 'POST', `/api/v1/models/${m.name}/versions/1/stage`, { body: { stage: 'Production' } })).status).toBe(200);
  });

  it('gates: promotion is blocked by a missing approval and by self-approval, allowed once all pass; every attempt is recorded and audited', async () => {
    const m = await model(2);
    const v2 = `/api/v1/models/${m.name}/versions/2`;
    expect((await request(as(root), 'PUT', `/api/v1/models/${m.name}/gates`, { body: { requireCard: true, requiredApprovals: 1 } })).status).toBe(200);
    expect((await request(as(alice), 'GET', `/api/v1/models/${m.name}/gates`)).body).toMatchObject({ metrics: [], requireCard: true, requiredApprovals: 1, updatedBy: `user:${root.id}` });
    await request(as(alice), 'PUT', `${v2}/card`, { body: { intendedUse: 'churn', owners: ['growth'], status: 'PendingReview' } });
    await request(as(bob), 'PUT', `${v2}/card`, { body: { status: 'Approved' } });
    const promote = (p: Person = alice) => request<ErrorBody & { decision: { allowed: boolean; gates: GateResult[] } }>(as(p), 'POST', `${v2}/stage`, { body: { stage: 'Production', archiveExisting: true } });

    const noApproval = await promote();
    expect(noApproval.status).toBe(409);
    expect(noApproval.body.error.code).toBe('PROMOTION_BLOCKED');
    expect(noApproval.body.error.details).toEqual([
      { gate: 'card', passed: true, actual: 'Approved', expected: 'Approved', reason: null },
      { gate: 'approvals', passed: false, actual: 0, expected: 1, reason: 'the version has not been submitted for review' },
    ]);

    const review = await request<{ id: string }>(as(ann), 'POST', `${v2}/reviews`, { body: {} });
    const self = await request<ErrorBody>(as(ann), 'POST', `${v2}/reviews/${review.body.id}/decision`, { body: { decision: 'approve', comment: 'mine, looks good' } });
    expect(self.status).toBe(403);
    const afterSelf = await promote(ann);
    expect(afterSelf.status).toBe(409);
    expect(afterSelf.body.error.details?.find((g) => g.gate === 'approvals')).toMatchObject({ passed: false, actual: 0, reason: '0 of 1 required approvals' });

    const rejected = await request<{ status: string }>(as(bob), 'POST', `${v2}/reviews/${review.body.id}/decision`, { body: { decision: 'reject', comment: 'needs calibration' } });
    expect(rejected.body.status).toBe('REJECTED');
    expect((await promote()).body.error.details?.[1]?.reason).toMatch(/was rejected$/);
    const again = await request<{ id: string }>(as(ann), 'POST', `${v2}/reviews`, { body: { comment: 'recalibrated' } });
    expect((await request<{ status: string }>(as(bob), 'POST', `${v2}/reviews/${again.body.id}/decision`, { body: { decision: 'approve', comment: 'good now' } })).body.status).toBe('APPROVED');

    expect((await request(as(alice), 'POST', `/api/v1/models/${m.name}/versions/1/stage`, { body: { stage: 'Production' } })).status).toBe(409); // v1 has no card
    const allowed = await promote();
    expect(allowed.status).toBe(200);
    expect(allowed.body.decision).toMatchObject({ allowed: true, gates: [{ gate: 'card', passed: true }, { gate: 'approvals', passed: true, actual: 1 }] });

    const decisions = await request<{ items: Array<{ allowed: boolean }> }>(as(viewer), 'GET', `${v2}/stage-decisions`);
    expect(decisions.body.items.map((d) => d.allowed)).toEqual([true, false, false, false]);
    const audited = await waitFor('promotion events in audit', async () => {
      const rows = await auditEvents(as(ann), { aggregateId: m.versionIds[1] ?? '' });
      return rows.filter((e) => e.subject.includes('promot')).length === 4 ? rows : null;
    }, 30_000, 100);
    const promoted = audited.find((e) => e.subject === 'shipyard.registry.model_version.promoted.v1');
    expect(promoted).toMatchObject({ actor: { id: alice.id }, before: { stage: 'None' }, after: { stage: 'Production' } });
    expect(audited.filter((e) => e.subject === 'shipyard.registry.model_version.promotion_refused.v1')).toHaveLength(3);
  });

  it('a metric gate fails with "experiments service unavailable" (no experiments in this stack), not a 503; Production needs READY', async () => {
    const m = await model(1, true, 'run-42');
    expect((await request(as(root), 'PUT', `/api/v1/models/${m.name}/gates`, { body: { metrics: [{ metric: 'accuracy', op: '>=', threshold: 0.9 }] } })).status).toBe(200);
    const res = await request<ErrorBody>(as(alice), 'POST', `/api/v1/models/${m.name}/versions/1/stage`, { body: { stage: 'Production' } });
    expect(res.status).toBe(409);
    expect(res.body.error.details).toEqual([{ gate: 'metric:accuracy >= 0.9', passed: false, actual: null, expected: '>= 0.9', reason: 'experiments service unavailable' }]);
    const notReady = await model(1, false);
    expect((await request<ErrorBody>(as(alice), 'POST', `/api/v1/models/${notReady.name}/versions/1/stage`, { body: { stage: 'Production' } })).body.error.code).toBe('VERSION_NOT_READY');
  });

  it('card state machine: Draft edits, review, approval by someone else, archive; content frozen outside Draft; card.md', async () => {
    const m = await model(1, false);
    const card = `/api/v1/models/${m.name}/versions/1/card`;
    expect((await request<ErrorBody>(as(alice), 'GET', card)).body.error.code).toBe('CARD_NOT_FOUND');
    const created = await request<{ status: string; intendedUse: string }>(as(alice), 'PUT', card, { body: { intendedUse: 'Score churn risk', trainingData: 'CRM 2024' } });
    expect([created.status, created.body.status]).toEqual([201, 'Draft']);
    const edited = await request<{ trainingData: string; owners: string[] }>(as(alice), 'PUT', card, { body: { owners: ['growth-team'], limitations: 'Tabular only' } });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ trainingData: 'CRM 2024', owners: ['growth-team'] });
    expect((await request<ErrorBody>(as(alice), 'PUT', card, { body: { status: 'Approved' } })).body.error.code).toBe('INVALID_CARD_TRANSITION');

    expect((await request<{ status: string }>(as(ann), 'PUT', card, { body: { status: 'PendingReview' } })).body.status).toBe('PendingReview');
    const frozen = await request<ErrorBody>(as(alice), 'PUT', card, { body: { limitations: 'changed' } });
    expect([frozen.status, frozen.body.error.code]).toEqual([409, 'CARD_NOT_EDITABLE']);
    expect((await request<ErrorBody>(as(ann), 'PUT', card, { body: { status: 'Approved' } })).body.error.code).toBe('SELF_REVIEW_FORBIDDEN');
    expect((await request<{ status: string }>(as(bob), 'PUT', card, { body: { status: 'Draft' } })).body.status).toBe('Draft');
    expect((await request(as(alice), 'PUT', card, { body: { limitations: 'Tabular only; not for images' } })).status).toBe(200);
    await request(as(alice), 'PUT', card, { body: { status: 'PendingReview' } });
    expect((await request<{ status: string }>(as(ann), 'PUT', card, { body: { status: 'Approved' } })).body.status).toBe('Approved');
    expect((await request<{ status: string }>(as(alice), 'PUT', card, { body: { status: 'Archived' } })).body.status).toBe('Archived');
    expect((await request<ErrorBody>(as(alice), 'PUT', card, { body: { status: 'Draft' } })).body.error.code).toBe('INVALID_CARD_TRANSITION');

    const md = await fetch(`${gw}${card}.md`, { headers: { authorization: `Bearer ${viewer.token}` } });
    expect(md.status).toBe(200);
    expect(md.headers.get('content-type')).toMatch(/^text\/markdown/);
    const text = await md.text();
    expect(text).toContain(`# Model card: ${m.name} v1`);
    expect(text).toContain('**Status:** Archived');
    expect(text).toContain('## Limitations\n\nTabular only; not for images\n');
    expect(text).toContain('- growth-team');

    const events = await waitFor('card status changes in audit', async () => {
      const rows = await auditEvents(as(ann), { aggregateId: m.versionIds[0] ?? '', subject: 'shipyard.registry.model_card.status_changed.v1' });
      return rows.length === 5 ? rows : null;
    }, 30_000, 100);
    expect(events.map((e) => `${String(e.before?.status)}→${String(e.after?.status)}`)).toEqual(['Draft→PendingReview', 'PendingReview→Draft', 'Draft→PendingReview', 'PendingReview→Approved', 'Approved→Archived']);
  });

  it('aliases: one version per alias, moving is one event with before/after; models filter by alias and stage', async () => {
    const m = await model(2);
    const alias = `/api/v1/models/${m.name}/aliases/Champion`;
    const set = await request<{ version: number; previousVersion: number | null }>(as(alice), 'PUT', alias, { body: { version: 1 } });
    expect(set.body).toMatchObject({ alias: 'Champion', version: 1, previousVersion: null });
    const moved = await request<{ version: number; previousVersion: number | null }>(as(alice), 'PUT', `/api/v1/models/${m.name}/aliases/champion`, { body: { version: 2 }, headers: { 'x-request-id': `move-${m.id}` } });
    expect(moved.body).toMatchObject({ alias: 'Champion', version: 2, previousVersion: 1 });
    expect((await request<{ aliases: string[] }>(as(viewer), 'GET', `/api/v1/models/${m.name}/versions/compare?a=1&b=champion`)).status).toBe(200);
    expect((await request<ErrorBody>(as(alice), 'PUT', `/api/v1/models/${m.name}/aliases/latest`, { body: { version: 1 } })).body.error.code).toBe('INVALID_ALIAS');
    expect((await request<ErrorBody>(as(alice), 'PUT', alias, { body: { version: 9 } })).body.error.code).toBe('VERSION_NOT_FOUND');
    await request(as(alice), 'POST', `/api/v1/models/${m.name}/versions/1/stage`, { body: { stage: 'Staging' } });

    const byAlias = await request<{ items: Array<{ name: string }> }>(as(viewer), 'GET', `/api/v1/models?alias=CHAMPION&namePrefix=${m.name}`);
    expect(byAlias.body.items.map((x) => x.name)).toEqual([m.name]);
    expect((await request<{ items: unknown[] }>(as(viewer), 'GET', `/api/v1/models?stage=Staging&namePrefix=${m.name}`)).body.items).toHaveLength(1);
    expect((await request<{ items: unknown[] }>(as(viewer), 'GET', `/api/v1/models?stage=Production&namePrefix=${m.name}`)).body.items).toHaveLength(0);

    expect((await request(as(alice), 'DELETE', alias)).status).toBe(204);
    expect((await request<ErrorBody>(as(alice), 'DELETE', alias)).body.error.code).toBe('ALIAS_NOT_FOUND');
    const events = await waitFor('alias events in audit', async () => {
      const rows = await auditEvents(as(ann), { aggregateId: `${m.id}/champion` });
      return rows.length === 3 ? rows : null;
    }, 30_000, 100);
    expect(events.map((e) => e.subject)).toEqual(['shipyard.registry.model_alias.set.v1', 'shipyard.registry.model_alias.set.v1', 'shipyard.registry.model_alias.deleted.v1']);
    expect(events[1]).toMatchObject({ correlationId: `move-${m.id}`, before: { version: 1 }, after: { version: 2 }, payload: { previousVersion: 1, version: 2 } });
  });
});
