import { randomUUID } from 'node:crypto';
import { MODEL_CREATED } from '../registry/model.events';
import { decodeEnvelope, validateEnvelope } from './catalog';
import { parseSubject } from './envelope';

const modelId = randomUUID();
const valid = () => ({
  id: randomUUID(),
  type: MODEL_CREATED,
  version: 1,
  occurredAt: '2026-11-23T10:00:00.000Z',
  actor: { type: 'user', id: 'alice' },
  correlationId: 'req-1',
  aggregate: { type: 'model', id: modelId },
  payload: { id: modelId, name: 'churn', description: null, tags: [], ownerId: 'user:alice' },
});

describe('validateEnvelope', () => {
  it('accepts a well-formed envelope', () => {
    const r = validateEnvelope(valid());
    expect(r.ok).toBe(true);
  });

  it('accepts before/after snapshots', () => {
    expect(validateEnvelope({ ...valid(), before: { name: 'a' }, after: { name: 'b' } }).ok).toBe(true);
  });

  it.each([
    ['a non-uuid id', { id: 'nope' }, 'id'],
    ['a subject outside the naming scheme', { type: 'registry.model.created' }, 'type'],
    ['a version that disagrees with the subject', { version: 2 }, 'version'],
    ['an unknown actor type', { actor: { type: 'robot', id: 'x' } }, 'actor.type'],
    ['an empty actor id', { actor: { type: 'user', id: '' } }, 'actor.id'],
    ['a local time without zone', { occurredAt: '2026-11-23T10:00:00' }, 'occurredAt'],
    ['a missing correlation id', { correlationId: undefined }, 'correlationId'],
    ['an unknown top-level field', { extra: 1 }, 'extra'],
    ['a payload that is not an object', { payload: [1, 2] }, 'payload'],
  ])('rejects %s', (_label, patch, field) => {
    const r = validateEnvelope({ ...valid(), ...patch });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toContain(field);
  });

  it('checks the payload of a catalogued subject against its schema', () => {
    const r = validateEnvelope({ ...valid(), payload: { id: modelId, name: 42 } });
    expect(r).toEqual({ ok: false, reason: expect.stringMatching(/^payload: .*name/) });
  });

  it('accepts any object payload for a subject not in the catalog', () => {
    expect(validateEnvelope({ ...valid(), type: 'shipyard.future.thing.happened.v3', version: 3, payload: { anything: true } }).ok).toBe(true);
  });
});

describe('decodeEnvelope', () => {
  it('decodes JSON bytes', () => {
    expect(decodeEnvelope(Buffer.from(JSON.stringify(valid()))).ok).toBe(true);
  });

  it('says when the bytes are not JSON', () => {
    const r = decodeEnvelope(Buffer.from('{not json'));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(/^not JSON/);
  });
});

describe('parseSubject', () => {
  it('splits a subject into its parts', () => {
    expect(parseSubject('shipyard.registry.model_version.promoted.v12')).toEqual({ context: 'registry', aggregate: 'model_version', verb: 'promoted', version: 12 });
  });

  it.each(['shipyard.registry.model.created', 'other.registry.model.created.v1', 'shipyard.Registry.model.created.v1', 'shipyard.registry.model.created.v0'])('rejects %s', (s) => {
    expect(parseSubject(s)).toBeNull();
  });
});
