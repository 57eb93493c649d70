/**
 * Opaque keyset cursors: base64url of a small JSON array. Clients must treat them as opaque; the
 * server rejects anything it did not mint (wrong shape → InvalidCursorError, a 400 at the edge).
 */
export class InvalidCursorError extends Error {
  constructor() {
    super('cursor is not one this server issued');
    this.name = 'InvalidCursorError';
  }
}

export function encodeCursor(values: Array<string | number>): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, arity: number): Array<string | number> {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(parsed) && parsed.length === arity && parsed.every((v) => typeof v === 'string' || typeof v === 'number')) {
      return parsed;
    }
  } catch {
    // fall through
  }
  throw new InvalidCursorError();
}

/**
 * The id inside a one-id keyset cursor (lists ordered by UUIDv7 id), or undefined for the first page.
 * A cursor this server did not mint throws `invalid()` — each context's own 400 error.
 */
export function decodeIdCursor(cursor: string | undefined, invalid: () => Error): string | undefined {
  if (!cursor) return undefined;
  let id: string;
  try {
    id = String(decodeCursor(cursor, 1)[0]);
  } catch (e) {
    if (e instanceof InvalidCursorError) throw invalid();
    throw e;
  }
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(id)) throw invalid();
  return id;
}
