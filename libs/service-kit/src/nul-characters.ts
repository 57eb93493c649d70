const MAX_DEPTH = 32;
const MAX_REPORTED = 20;

/** JSON's objects, and fastify's query objects (their prototype has no prototype: no inherited keys). */
function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

/** A field path that is safe to print: a NUL in a key is shown escaped, not sent back raw. */
function join(parent: string, key: string): string {
  const k = key.replaceAll('\u0000', '\\u0000');
  return parent ? `${parent}.${k}` : k;
}

/**
 * The paths (`description`, `tags.1`, `filter.name`) of the strings and keys in `value` that hold a NUL
 * character (PostgreSQL refuses it in text and jsonb). Walks only what parsers produce: strings, arrays
 * and plain objects; a Buffer, a stream or any other instance (a binary body, a request context) is
 * left alone.
 */
export function nulCharacterFields(value: unknown, path = '', depth = 0, found: string[] = []): string[] {
  if (found.length >= MAX_REPORTED) return found;
  if (typeof value === 'string') {
    if (value.includes('\u0000')) found.push(path);
    return found;
  }
  if (typeof value !== 'object' || value === null || depth >= MAX_DEPTH) return found;
  if (Array.isArray(value)) {
    value.forEach((item, i) => nulCharacterFields(item, join(path, String(i)), depth + 1, found));
    return found;
  }
  if (!isPlainObject(value)) return found;
  for (const [key, item] of Object.entries(value)) {
    if (key.includes('\u0000')) found.push(join(path, key));
    else nulCharacterFields(item, join(path, key), depth + 1, found);
    if (found.length >= MAX_REPORTED) break;
  }
  return found;
}
