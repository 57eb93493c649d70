const MAX_REPORTED = 20;

/**
 * Deepest nesting of arrays and objects a request may carry (a bare object or array is depth 1). Nest's
 * ValidationPipe (stripProtoKeys) and class-transformer walk input recursively, so JSON nested thousands
 * of levels deep would exhaust the stack there (a 500) before any validation ran.
 */
export const MAX_NESTING_DEPTH = 64;

/** JSON's objects, and fastify's query objects (their prototype has no prototype: no inherited keys). */
function isPlainObject(v: object): v is Record<string, unknown> {
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === null || proto === Object.prototype || Object.getPrototypeOf(proto) === null;
}

/** An array or plain object being walked: the keys of an object (null for an array) and the next one to visit. */
interface Level {
  array: unknown[] | null;
  object: Record<string, unknown> | null;
  keys: string[] | null;
  next: number;
  /** Its key in the enclosing level. */
  key: string;
}

/** A level for what parsers produce (arrays, plain objects); null for a scalar, a Buffer, a stream or any other instance. */
function levelOf(v: unknown, key: string): Level | null {
  if (typeof v !== 'object' || v === null) return null;
  if (Array.isArray(v)) return { array: v as unknown[], object: null, keys: null, next: 0, key };
  return isPlainObject(v) ? { array: null, object: v, keys: Object.keys(v), next: 0, key } : null;
}

/** A field path that is safe to print: a NUL in a key is shown escaped, not sent back raw. */
function join(parent: string, key: string): string {
  const k = key.replaceAll('\u0000', '\\u0000');
  return parent ? `${parent}.${k}` : k;
}

export interface InputScan {
  /** Arrays and plain objects nest more than the allowed depth (the walk stopped there). */
  tooDeep: boolean;
  /** Paths (`description`, `tags.1`, `filter.name`) of strings and keys holding a NUL, in document order, at most 20. */
  nulFields: string[];
}

/**
 * One depth-first walk of what parsers produce (strings, arrays and plain objects; a Buffer, a stream or
 * any other instance, such as a binary body or a request context, is left alone) that finds nesting
 * deeper than `maxDepth` and, with `nul`, the strings and keys holding a NUL character (PostgreSQL
 * refuses it in text and jsonb). Iterative, with a stack of its own: the recursion it protects
 * against is the problem. Paths are only built for what it reports.
 */
export function scanInput(value: unknown, path = '', maxDepth: number = MAX_NESTING_DEPTH, nul = true): InputScan {
  const nulFields: string[] = [];
  if (typeof value === 'string') return { tooDeep: false, nulFields: nul && value.includes('\u0000') ? [path] : [] };
  const root = levelOf(value, path);
  if (root === null) return { tooDeep: false, nulFields };
  if (maxDepth < 1) return { tooDeep: true, nulFields };
  const stack: Level[] = [root];
  // The enclosing levels are the stack itself: a path is built from it only for what is reported.
  const report = (key: string) => nulFields.push(join(stack.reduce((p, level, i) => (i === 0 ? p : join(p, level.key)), path), key));
  while (stack.length > 0) {
    const level = stack[stack.length - 1] as Level;
    let key: string | number;
    let item: unknown;
    if (level.array !== null) {
      if (level.next >= level.array.length) {
        stack.pop();
        continue;
      }
      key = level.next++;
      item = level.array[key];
    } else {
      const keys = level.keys as string[];
      if (level.next >= keys.length) {
        stack.pop();
        continue;
      }
      key = keys[level.next++] as string;
      item = (level.object as Record<string, unknown>)[key];
      if (nul && key.includes('\u0000')) {
        if (report(key) >= MAX_REPORTED) return { tooDeep: false, nulFields };
        continue;
      }
    }
    if (typeof item === 'string') {
      if (nul && item.includes('\u0000') && report(String(key)) >= MAX_REPORTED) return { tooDeep: false, nulFields };
      continue;
    }
    if (typeof item !== 'object' || item === null) continue;
    const child = levelOf(item, String(key));
    if (child === null) continue;
    if (stack.length >= maxDepth) return { tooDeep: true, nulFields };
    stack.push(child);
  }
  return { tooDeep: false, nulFields };
}

/** True when `value` nests arrays and plain objects more than `max` levels deep (iterative). */
export function nestedDeeperThan(value: unknown, max: number = MAX_NESTING_DEPTH): boolean {
  return scanInput(value, '', max, false).tooDeep;
}

/**
 * The paths of the strings and keys in `value` that hold a NUL character, in document order (at most 20),
 * down to MAX_NESTING_DEPTH (the pipe refuses deeper input).
 */
export function nulCharacterFields(value: unknown, path = ''): string[] {
  return scanInput(value, path).nulFields;
}
