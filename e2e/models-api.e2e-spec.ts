import { randomUUID } from 'node:crypto';
import { TestStack, waitFor } from '@shipyard/testing';
import { auditEvents, request, Target } from './http';

interface Model {
  id: string;
  name: string;
  description: string | null;
  tags: string[];
  ownerId: string;
  createdAt: string;
  updatedAt: string;
}
interface ErrorBody {
  error: { code: string; message: string; requestId: string; details?: Array<{ field: string; problems: string[] }>; errorId?: string };
}

describe('models API through the gateway (services as processes)', () => {
  let stack: TestStack;
  let gw: Target;
  let alice: { id: string; token: string };
  let bob: { id: string; token: string };

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['audit', 'registry', 'api-gateway'] });
    gw = { url: stack.url('api-gateway'), token: await stack.adminToken() };
    alice = await stack.user('alice@example.com', 'data-scientist');
    bob = await stack.user('bob@example.com', 'data-scientist');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const name = () => `model-${randomUUID().slice(0, 8)}`;

  it('creates, reads (by id and by name), updates and deletes a model; each write lands in audit with its request id', async () => {
    const requestId = `e2e-${randomUUID()}`;
    const n = name();
    const created = await request<Model>(gw, 'POST', '/api/v1/models', { body: { name: n, description: 'churn model', tags: ['tabular', 'tabular', 'growth'] }, token: alice.token, headers: { 'x-request-id': requestId } });
    expect(created.status).toBe(201);
    expect(created.headers.get('x-request-id')).toBe(requestId);
    expect(created.body).toEqual({ id: expect.stringMatching(/^[0-9a-f-]{36}$/), name: n, description: 'churn model', tags: ['tabular', 'growth'], ownerId: `user:${alice.id}`, createdAt: expect.any(String), updatedAt: created.body.createdAt });
    const id = created.body.id;

    expect((await request<Model>(gw, 'GET', `/api/v1/models/${id}`)).body).toEqual(created.body);
    expect((await request<Model>(gw, 'GET', `/api/v1/models/${n.toUpperCase()}`)).body.id).toBe(id);

    const patched = await request<Model>(gw, 'PATCH', `/api/v1/models/${id}`, { body: { description: null, tags: ['growth'] }, token: bob.token });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ description: null, tags: ['growth'], name: n });

    const noop = await request<Model>(gw, 'PATCH', `/api/v1/models/${id}`, { body: { tags: ['growth'] } });
    expect(noop.status).toBe(200);

    expect((await request(gw, 'DELETE', `/api/v1/models/${id}`)).status).toBe(204);
    expect((await request<ErrorBody>(gw, 'GET', `/api/v1/models/${id}`)).body.error.code).toBe('MODEL_NOT_FOUND');
    expect((await request(gw, 'DELETE', `/api/v1/models/${id}`)).status).toBe(404);
    // The name is free again after a delete.
    expect((await request(gw, 'POST', '/api/v1/models', { body: { name: n } })).status).toBe(201);

    const events = await waitFor('three audit events for the model', async () => {
      const e = await auditEvents(gw, { aggregateId: id });
      return e.length === 3 ? e : null;
    });
    expect(events.map((e) => e.subject)).toEqual(['shipyard.registry.model.created.v1', 'shipyard.registry.model.updated.v1', 'shipyard.registry.model.deleted.v1']);
    expect(events[0]).toMatchObject({ action: 'model.created', actor: { type: 'user', id: alice.id }, correlationId: requestId, aggregate: { type: 'model', id } });
    expect(events[1]).toMatchObject({ actor: { id: bob.id }, before: { description: 'churn model', tags: ['tabular', 'growth'] }, after: { description: null, tags: ['growth'] }, payload: { changed: ['description', 'tags'] } });
    expect(events[2]?.before).toMatchObject({ id, name: n });
  });

  it('pages through models with an opaque cursor, newest first, with name-prefix and tag filters', async () => {
    const prefix = `page-${randomUUID().slice(0, 6)}`;
    for (let i = 0; i < 5; i++) expect((await request(gw, 'POST', '/api/v1/models', { body: { name: `${prefix}-${i}`, tags: i % 2 ? ['odd'] : ['even'] } })).status).toBe(201);
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res: { status: number; body: { items: Model[]; nextCursor: string | null } } = await request(gw, 'GET', `/api/v1/models?namePrefix=${prefix}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((m) => m.name));
      cursor = res.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([4, 3, 2, 1, 0].map((i) => `${prefix}-${i}`));
    const odd = await request<{ items: Model[] }>(gw, 'GET', `/api/v1/models?namePrefix=${prefix}&tag=odd`);
    expect(odd.body.items.map((m) => m.name).sort()).toEqual([`${prefix}-1`, `${prefix}-3`]);
  });

  describe('bad input is a 4xx with a JSON error, never a 500', () => {
    const cases: Array<[string, () => Promise<{ status: number; body: unknown }>, number, string]> = [
      ['malformed JSON', () => request(gw, 'POST', '/api/v1/models', { raw: '{"name": "x",' }), 400, 'MALFORMED_JSON'],
      ['an empty JSON body', () => request(gw, 'POST', '/api/v1/models', { raw: '' , headers: { 'content-type': 'application/json' } }), 400, 'MALFORMED_JSON'],
      ['a JSON array instead of an object', () => request(gw, 'POST', '/api/v1/models', { raw: '[1,2]' }), 400, 'VALIDATION_FAILED'],
      ['an unknown field', () => request(gw, 'POST', '/api/v1/models', { body: { name: 'ok-name', colour: 'red' } }), 400, 'VALIDATION_FAILED'],
      ['a wrong type', () => request(gw, 'POST', '/api/v1/models', { body: { name: 42 } }), 400, 'VALIDATION_FAILED'],
      ['a missing name', () => request(gw, 'POST', '/api/v1/models', { body: { description: 'x' } }), 400, 'VALIDATION_FAILED'],
      ['an over-long name', () => request(gw, 'POST', '/api/v1/models', { body: { name: 'n'.repeat(129) } }), 400, 'VALIDATION_FAILED'],
      ['a name with a slash', () => request(gw, 'POST', '/api/v1/models', { body: { name: 'a/b' } }), 400, 'VALIDATION_FAILED'],
      ['an over-long description', () => request(gw, 'POST', '/api/v1/models', { body: { name: 'desc-too-long', description: 'd'.repeat(4001) } }), 400, 'VALIDATION_FAILED'],
      ['too many tags', () => request(gw, 'POST', '/api/v1/models', { body: { name: 'many-tags', tags: Array.from({ length: 51 }, (_, i) => `t${i}`) } }), 400, 'VALIDATION_FAILED'],
      ['a tag of the wrong type', () => request(gw, 'POST', '/api/v1/models', { body: { name: 'bad-tag', tags: [1] } }), 400, 'VALIDATION_FAILED'],
      ['a body that is not JSON', () => request(gw, 'POST', '/api/v1/models', { raw: 'name=x', headers: { 'content-type': 'text/plain' } }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
      ['an unknown id', () => request(gw, 'GET', `/api/v1/models/${randomUUID()}`), 404, 'MODEL_NOT_FOUND'],
      ['an unknown name on PATCH', () => request(gw, 'PATCH', '/api/v1/models/nobody-has-this', { body: { description: 'x' } }), 404, 'MODEL_NOT_FOUND'],
      ['a forged cursor', () => request(gw, 'GET', `/api/v1/models?cursor=${Buffer.from('["not-a-uuid"]').toString('base64url')}`), 400, 'INVALID_CURSOR'],
      ['garbage as cursor', () => request(gw, 'GET', '/api/v1/models?cursor=%%%'), 400, 'INVALID_CURSOR'],
      ['limit=0', () => request(gw, 'GET', '/api/v1/models?limit=0'), 400, 'VALIDATION_FAILED'],
      ['limit=abc', () => request(gw, 'GET', '/api/v1/models?limit=abc'), 400, 'VALIDATION_FAILED'],
      ['an unknown query parameter', () => request(gw, 'GET', '/api/v1/models?sort=name'), 400, 'VALIDATION_FAILED'],
      ['an unknown route', () => request(gw, 'GET', '/api/v1/nothing-here'), 404, 'ROUTE_NOT_FOUND'],
      ['a bad audit subject filter', () => request(gw, 'GET', '/api/v1/audit/events?subject=a%20b'), 400, 'VALIDATION_FAILED'],
      ['a bad audit time filter', () => request(gw, 'GET', '/api/v1/audit/events?from=yesterday'), 400, 'VALIDATION_FAILED'],
    ];

    it.each(cases)('%s', async (_label, call, status, code) => {
      const res = await call();
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: expect.objectContaining({ code, message: expect.any(String), requestId: expect.any(String) }) });
    });

    it('names each invalid field', async () => {
      const res = await request<ErrorBody>(gw, 'POST', '/api/v1/models', { body: { name: '', tags: 'x', extra: true } });
      expect(res.status).toBe(400);
      expect(res.body.error.details?.map((d) => d.field).sort()).toEqual(['extra', 'name', 'tags']);
    });

    it('answers a duplicate name with 409, case-insensitively, also under a race', async () => {
      const n = name();
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => request<ErrorBody>(gw, 'POST', '/api/v1/models', { body: { name: i % 2 ? n : n.toUpperCase() } })));
      expect(results.filter((r) => r.status === 201)).toHaveLength(1);
      expect(results.filter((r) => r.status === 409).map((r) => r.body.error.code)).toEqual(Array(7).fill('MODEL_NAME_TAKEN'));
    });
  });

  it('reports an unreachable service as a 503 JSON error', async () => {
    await stack.service('registry').kill('SIGTERM');
    try {
      const res = await request<ErrorBody>(gw, 'GET', '/api/v1/models');
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('UPSTREAM_UNAVAILABLE');
    } finally {
      stack.service('registry').start();
      await stack.service('registry').waitReady();
    }
  });
});
