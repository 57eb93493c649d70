import { Readable } from 'node:stream';
import { nulCharacterFields } from './nul-characters';

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
