import { AuditFieldChange } from '@shipyard/contracts';
import { canonicalJson } from './canonical-json';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * A readable diff of an event's before/after snapshots: one entry per changed field, nested objects
 * walked into dotted paths, arrays and scalars compared whole (by canonical JSON, so key order never
 * counts as a change). A create (after only) lists every field as added; a delete, as removed.
 */
export function fieldDiff(before: Json | null, after: Json | null, prefix = ''): AuditFieldChange[] {
  if (!before && !after) return [];
  const b = before ?? {};
  const a = after ?? {};
  const out: AuditFieldChange[] = [];
  for (const key of [...new Set([...Object.keys(b), ...Object.keys(a)])].sort()) {
    const field = prefix ? `${prefix}.${key}` : key;
    const inBefore = Object.prototype.hasOwnProperty.call(b, key) && before !== null;
    const inAfter = Object.prototype.hasOwnProperty.call(a, key) && after !== null;
    const bv = b[key];
    const av = a[key];
    if (inBefore && !inAfter) out.push({ field, change: 'removed', before: bv });
    else if (!inBefore && inAfter) out.push({ field, change: 'added', after: av });
    else if (isObject(bv) && isObject(av)) out.push(...fieldDiff(bv, av, field));
    else if (canonicalJson(bv) !== canonicalJson(av)) out.push({ field, change: 'changed', before: bv, after: av });
  }
  return out;
}
