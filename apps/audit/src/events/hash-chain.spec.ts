import { createHash, randomUUID } from 'node:crypto';
import { EventEnvelope } from '@shipyard/contracts';
import { toChainedContent } from './audit-recorder';
import { canonicalJson } from './canonical-json';
import { chainHash, GENESIS_HASH } from './hash-chain';
import { subjectToRegex } from './event-filter';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe('{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('is independent of insertion order', () => {
    expect(canonicalJson({ x: 1, y: 2 })).toBe(canonicalJson({ y: 2, x: 1 }));
  });

  it('drops undefined members and writes null for undefined array slots', () => {
    expect(canonicalJson({ a: undefined, b: null, c: [undefined] })).toBe('{"b":null,"c":[null]}');
  });

  it('escapes strings as JSON does', () => {
    expect(canonicalJson({ 'k"ey': 'line\nbreak ü' })).toBe('{"k\\"ey":"line\\nbreak ü"}');
  });
});

describe('chainHash', () => {
  const envelope = (): EventEnvelope => ({
    id: randomUUID(),
    type: 'shipyard.registry.model.created.v1',
    version: 1,
    occurredAt: '2026-11-23T10:00:00Z',
    actor: { type: 'user', id: 'alice' },
    correlationId: 'r1',
    aggregate: { type: 'model', id: 'm1' },
    payload: { id: 'm1' },
  });

  it('is sha256(prev || canonical JSON), so an outsider can recompute it', () => {
    const content = toChainedContent(envelope(), 1, '2026-11-23T10:00:01.000Z');
    const expected = createHash('sha256').update(Buffer.concat([GENESIS_HASH, Buffer.from(canonicalJson(content))])).digest();
    expect(chainHash(GENESIS_HASH, content).equals(expected)).toBe(true);
  });

  it('changes when any recorded field or the previous hash changes', () => {
    const content = toChainedContent(envelope(), 1, '2026-11-23T10:00:01.000Z');
    const h = chainHash(GENESIS_HASH, content);
    expect(chainHash(GENESIS_HASH, { ...content, payload: { id: 'm2' } }).equals(h)).toBe(false);
    expect(chainHash(GENESIS_HASH, { ...content, seq: 2 }).equals(h)).toBe(false);
    expect(chainHash(Buffer.alloc(32, 1), content).equals(h)).toBe(false);
  });

  it('normalises occurredAt to millisecond RFC 3339 and derives the action from the subject', () => {
    const c = toChainedContent(envelope(), 7, '2026-11-23T10:00:01.000Z');
    expect(c.occurredAt).toBe('2026-11-23T10:00:00.000Z');
    expect(c.action).toBe('model.created');
    expect(c.before).toBeNull();
  });
});

describe('subjectToRegex', () => {
  const matches = (pattern: string, subject: string) => new RegExp(subjectToRegex(pattern)).test(subject);

  it('treats * as exactly one token and > as the rest', () => {
    expect(matches('shipyard.registry.*.created.v1', 'shipyard.registry.model.created.v1')).toBe(true);
    expect(matches('shipyard.registry.*.created.v1', 'shipyard.registry.model.version.created.v1')).toBe(false);
    expect(matches('shipyard.registry.>', 'shipyard.registry.model.deleted.v1')).toBe(true);
    expect(matches('shipyard.registry.>', 'shipyard.registry')).toBe(false);
  });

  it('matches dots literally', () => {
    expect(matches('shipyard.a.*', 'shipyardXa.b')).toBe(false);
  });
});
