import { Readable } from 'node:stream';
import { MAX_NESTING_DEPTH, nestedDeeperThan, nulCharacterFields, scanInput } from './nul-characters';

describe('nulCharacterFields', () => {
  it('names every string and key holding a NUL, by its dotted path', () => {
    const body = { name: 'ok', description: 'a\u0000b', tags: ['x', 'y\u0000'], filter: { 'k\u0000': 1, deep: [{ v: '\u0000' }] } };
    expect(nulCharacterFields(body)).toEqual(['description', 'tags.1', 'filter.k\\u0000', 'filter.deep.0.v']);
    expect(nulCharacterFields('a\u0000', 'id')).toEqual(['id']);
    expect(nulCharacterFields({ q: 'a\u0000' }, 'query')).toEqual(['query.q']);
  });

  it('walks objects with a null-prototype prototype (fastify query objects)', () => {
    function Empty(this: object) {}
    Empty.prototype = Object.create(null) as object;
    const query = Object.assign(new (Empty as unknown as new () => Record<string, unknown>)(), { n: '1\u00002' });
    expect(nulCharacterFields(query)).toEqual(['n']);
  });

  it('leaves binary bodies, streams, class instances and clean input alone', () => {
    class Context {
      readonly actor = 'user:\u0000';
    }
    expect(nulCharacterFields(Buffer.from([0, 1, 0]))).toEqual([]);
    expect(nulCharacterFields(Readable.from(['\u0000']))).toEqual([]);
    expect(nulCharacterFields(new Context())).toEqual([]);
    expect(nulCharacterFields({ a: 'tab\tnewline\n', b: [1, true, null], c: 'é' })).toEqual([]);
    expect(nulCharacterFields(undefined)).toEqual([]);
  });

  it('reports at most 20 fields', () => {
    expect(nulCharacterFields(Array.from({ length: 100 }, () => '\u0000'))).toHaveLength(20);
  });
});

/** `[[…]]` (or `{"a":{"a":…}}`) `depth` levels deep, built without recursion. */
function nested(depth: number, kind: 'array' | 'object'): unknown {
  let v: unknown = kind === 'array' ? [] : {};
  for (let i = 1; i < depth; i++) v = kind === 'array' ? [v] : { a: v };
  return v;
}

describe('nestedDeeperThan', () => {
  it('counts arrays and plain objects, a bare one being one level', () => {
    expect(MAX_NESTING_DEPTH).toBe(64);
    for (const kind of ['array', 'object'] as const) {
      expect(nestedDeeperThan(nested(64, kind), 64)).toBe(false);
      expect(nestedDeeperThan(nested(65, kind), 64)).toBe(true);
    }
    expect(nestedDeeperThan({ a: [{ b: [1] }] }, 4)).toBe(false);
    expect(nestedDeeperThan({ a: [{ b: [[]] }] }, 4)).toBe(true);
    expect(nestedDeeperThan('text', 0)).toBe(false);
    expect(nestedDeeperThan(null, 0)).toBe(false);
  });

  it('finds a deep branch beside shallow ones, wherever it is', () => {
    expect(nestedDeeperThan({ x: 1, list: [1, 2, { ok: true }], deep: nested(64, 'object') }, 64)).toBe(true);
    expect(nestedDeeperThan([nested(64, 'array'), 'z'], 64)).toBe(true);
  });

  it('walks 100,000 levels without recursing (no RangeError)', () => {
    const deep = JSON.parse(`${'['.repeat(100_000)}${']'.repeat(100_000)}`) as unknown;
    expect(nestedDeeperThan(deep, 64)).toBe(true);
    expect(nestedDeeperThan(nested(100_000, 'object'), 200_000)).toBe(false);
  });

  it('does not count what it does not walk: Buffers, streams, class instances', () => {
    class Holder {
      readonly inner = nested(100, 'object');
    }
    expect(nestedDeeperThan([Buffer.from([1]), new Holder(), Readable.from(['x'])], 1)).toBe(false);
  });
});

describe('nulCharacterFields, deep input', () => {
  it('walks 100,000 levels without recursing, and only down to MAX_NESTING_DEPTH', () => {
    expect(nulCharacterFields(nested(100_000, 'object'))).toEqual([]);
    const at = (depth: number) => {
      let v: unknown = '\u0000';
      for (let i = 0; i < depth; i++) v = [v];
      return v;
    };
    expect(nulCharacterFields(at(64))).toEqual([Array.from({ length: 64 }, () => '0').join('.')]);
    expect(nulCharacterFields(at(65))).toEqual([]);
  });
});

describe('scanInput (what the validation pipe runs: one walk for both)', () => {
  it('reports nesting too deep and the NUL fields met on the way', () => {
    expect(scanInput({ a: 'x\u0000', b: nested(70, 'array') }, 'body')).toEqual({ tooDeep: true, nulFields: ['body.a'] });
    expect(scanInput({ a: 'x\u0000', b: nested(63, 'array') }, 'body')).toEqual({ tooDeep: false, nulFields: ['body.a'] });
    expect(scanInput('\u0000', 'id')).toEqual({ tooDeep: false, nulFields: ['id'] });
  });
});
