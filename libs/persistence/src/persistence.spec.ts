import { decodeCursor, encodeCursor, InvalidCursorError } from './cursor';
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
