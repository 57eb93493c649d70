import { decodeCursor, decodeIdCursor, encodeCursor, InvalidCursorError } from './cursor';
import { UUID_PATTERN, uuidv7 } from './ids';

describe('uuidv7', () => {
  it('is a well-formed version 7 UUID', () => {
    const id = uuidv7();
    expect(id).toMatch(UUID_PATTERN);
    expect(id[14]).toBe('7');
    expect(['8', '9', 'a', 'b']).toContain(id[19]);
  });

  it('sorts in creation order, even within one millisecond', () => {
    const ids = Array.from({ length: 5000 }, () => uuidv7(1_700_000_000_000));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('encodes the timestamp in the first 48 bits', () => {
    const id = uuidv7(Date.UTC(2026, 0, 1));
    expect(parseInt(id.replace(/-/g, '').slice(0, 12), 16)).toBeGreaterThanOrEqual(Date.UTC(2026, 0, 1));
  });
});

describe('cursor', () => {
  it('round-trips', () => {
    expect(decodeCursor(encodeCursor(['abc', 3]), 2)).toEqual(['abc', 3]);
  });

  it.each(['', 'not base64 at all!', encodeCursor(['only-one']), Buffer.from('{"a":1}').toString('base64url')])('rejects %p', (c) => {
    expect(() => decodeCursor(c, 2)).toThrow(InvalidCursorError);
  });
});

describe('decodeIdCursor', () => {
  const invalid = () => new Error('bad cursor');
  it('gives undefined for the first page and the id for a minted cursor', () => {
    const id = uuidv7();
    expect(decodeIdCursor(undefined, invalid)).toBeUndefined();
    expect(decodeIdCursor(encodeCursor([id]), invalid)).toBe(id);
  });
  it.each([['not base64 json', '%%%'], ['two values', encodeCursor(['a', 'b'])], ['a non-uuid', encodeCursor(['1; DROP TABLE x'])]])('refuses %s with the caller’s error', (_label, cursor) => {
    expect(() => decodeIdCursor(cursor, invalid)).toThrow('bad cursor');
  });
});
