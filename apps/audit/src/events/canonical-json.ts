/**
 * Canonical JSON for hashing: object keys sorted by UTF-16 code unit order, no whitespace, arrays in
 * order, strings and numbers as JSON.stringify writes them, `undefined` members dropped. Anyone can
 * recompute a row's hash from its exported JSON with this rule.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') {
    const s = JSON.stringify(value);
    return s === undefined ? 'null' : s;
  }
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v === undefined ? null : v)).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(',')}}`;
}
