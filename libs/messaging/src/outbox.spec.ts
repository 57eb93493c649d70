import { randomUUID } from 'node:crypto';
import { MODEL_UPDATED } from '@shipyard/contracts';
import { buildEnvelope, InvalidEventError } from './outbox';

describe('buildEnvelope', () => {
  const id = randomUUID();
  const draft = {
    subject: MODEL_UPDATED,
    actor: { type: 'user' as const, id: 'alice' },
    correlationId: 'req-42',
    aggregate: { type: 'model', id },
    payload: { id, name: 'churn', changed: ['tags'] },
    before: { tags: ['a'], updatedAt: new Date('2026-01-01T00:00:00Z') },
    after: { tags: ['a', 'b'], gone: undefined },
  };

  it('fills id, version and time, and turns dates into RFC 3339 strings', () => {
    const e = buildEnvelope(draft, new Date('2026-11-23T12:00:00.123Z'), '00000000-0000-4000-8000-000000000001');
    expect(e).toEqual({
      id: '00000000-0000-4000-8000-000000000001',
      type: MODEL_UPDATED,
      version: 1,
      occurredAt: '2026-11-23T12:00:00.123Z',
      actor: { type: 'user', id: 'alice' },
      correlationId: 'req-42',
      aggregate: { type: 'model', id },
      payload: { id, name: 'churn', changed: ['tags'] },
      before: { tags: ['a'], updatedAt: '2026-01-01T00:00:00.000Z' },
      after: { tags: ['a', 'b'] },
    });
  });

  it('refuses an event whose payload breaks its contract', () => {
    expect(() => buildEnvelope({ ...draft, payload: { id, name: 'churn' } })).toThrow(InvalidEventError);
  });

  it('refuses a subject outside the naming scheme', () => {
    expect(() => buildEnvelope({ ...draft, subject: 'registry.model.updated' })).toThrow(/type/);
  });
});
