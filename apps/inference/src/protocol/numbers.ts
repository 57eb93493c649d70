/**
 * Number conversions the codecs need beyond what JavaScript offers: IEEE half floats (FP16 travels as
 * raw bits in a Uint16Array) and the shortest decimal that reads back to the same float32 or float16.
 */

/** JSON has no NaN or infinities: they travel as these strings, both ways. */
export function nonFiniteName(v: number): string {
  return Number.isNaN(v) ? '"NaN"' : v > 0 ? '"Infinity"' : '"-Infinity"';
}

export function parseNonFinite(s: string): number | null {
  if (s === 'NaN') return NaN;
  if (s === 'Infinity') return Infinity;
  if (s === '-Infinity') return -Infinity;
  return null;
}

/** Round half to even, for an x ≥ 0. */
function roundEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  return d > 0.5 || (d === 0.5 && f % 2 === 1) ? f + 1 : f;
}

export const FLOAT16_MAX = 65504;

/** Half-float bits of `v`, rounded to nearest even straight from the double (no float32 step, which would round twice). */
export function toFloat16Bits(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a < 2 ** -14) return sign | roundEven(a * 2 ** 24); // subnormal; 1024 carries into the smallest normal
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e -= 1; // log2 may be off by one near powers of two
  else if (2 ** (e + 1) <= a) e += 1;
  let m = roundEven((a / 2 ** e - 1) * 1024);
  if (m === 1024) {
    m = 0;
    e += 1;
  }
  if (e > 15) return sign | 0x7c00;
  return sign | ((e + 15) << 10) | m;
}

export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * The shortest decimal that reads back (through Math.fround) to the float32 `v`: 0.1f prints "0.1",
 * not its double expansion "0.10000000149011612". Digits are counted with toPrecision: 9 always
 * suffice for float32, random values mostly need 8, and fewer digits only ever fail if more do too,
 * so 8 is tried first and the shorter lengths by bisection.
 */
export function float32ToString(v: number): string {
  if (Number.isInteger(v) && v < 16777216 && v > -16777216) return '' + v; // exact and already shortest
  if (!Number.isFinite(v)) return nonFiniteName(v);
  let n = +v.toPrecision(8);
  if (Math.fround(n) !== v) return '' + +v.toPrecision(9);
  let best = n;
  let lo = 1;
  let hi = 7; // best so far has 8 digits; search [lo, hi] for fewer
  while (lo <= hi) {
    const p = (lo + hi) >> 1;
    n = +v.toPrecision(p);
    if (Math.fround(n) === v) {
      best = n;
      hi = p - 1;
    } else {
      lo = p + 1;
    }
  }
  // `+` then `''+` re-prints the p-digit decimal in JavaScript's (JSON-valid) number format, without
  // toPrecision's exponent form or trailing zeros; no shorter decimal exists, so the digits are kept.
  return '' + best;
}

/** The shortest decimal that reads back to the same half float (at most 5 digits are ever needed). */
export function float16ToString(bits: number): string {
  const v = fromFloat16Bits(bits);
  if (!Number.isFinite(v)) return nonFiniteName(v);
  if (Number.isInteger(v)) return '' + v;
  for (let p = 1; p < 5; p++) {
    const n = +v.toPrecision(p);
    if (toFloat16Bits(n) === bits) return '' + n;
  }
  return '' + +v.toPrecision(5);
}
