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

const HALF_SCALE = Float64Array.from({ length: 31 }, (_, e) => 2 ** (e - 15)); // `2 ** x` is slow for a variable x

export function fromFloat16Bits(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exp = (bits >> 10) & 0x1f;
  const frac = bits & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * (HALF_SCALE[exp] ?? 0);
}

const F32 = new Float32Array(1);
const F32_BITS = new Uint32Array(F32.buffer);
const POW10 = new Float64Array([1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12]);
// The ulp of a float32 by its biased exponent: a table, because `2 ** x` with a variable x costs ~100× more.
const ULP = Float64Array.from({ length: 256 }, (_, e) => 2 ** (e - 150));
// The fraction digits at which an ulp scaled by 10^j reaches 1, by biased exponent (0 to 12).
const START_DIGITS = Uint8Array.from(ULP, (ulp) => Math.min(12, Math.max(0, Math.ceil(-Math.log10(ulp)))));

/**
 * The shortest decimal that reads back (through Math.fround) to the float32 `v`: 0.1f prints "0.1",
 * not its double expansion "0.10000000149011612". The output is JavaScript's number format.
 */
export function float32ToString(v: number): string {
  if (Number.isInteger(v) && v < 16777216 && v > -16777216) return '' + v; // exact and already shortest
  const a = v < 0 ? -v : v;
  if (a >= 0.0009765625 && a < 8388608) {
    const text = shortestInRange(a);
    if (text !== null) return v < 0 ? '-' + text : text;
  }
  return float32ToStringByPrecision(v);
}

/**
 * For 2^-10 ≤ a < 2^23, the common range of model outputs: the fewest fraction digits j for which an
 * integer lies in a's rounding interval scaled by 10^j. a = m·2^e with m < 2^24, so the interval ends
 * times 10^j (j ≤ 12) have under 53 significant bits: every product here is exact.
 */
function shortestInRange(a: number): string | null {
  F32[0] = a;
  const bits = F32_BITS[0] ?? 0;
  const exponent = (bits >>> 23) & 0xff;
  const ulp = ULP[exponent] ?? 0;
  const lo = a - ((bits & 0x7fffff) === 0 ? ulp / 4 : ulp / 2); // the float32 below a power of two is only half an ulp away
  const hi = a + ulp / 2;
  const inclusive = (bits & 1) === 0; // a decimal on the midpoint rounds to the even neighbour
  // A decimal with j fraction digits also has j + 1, so "some fits" is monotone in j: start where the
  // interval is an ulp wide scaled, which usually fits, and step to the smallest j that does.
  let j = START_DIGITS[exponent] ?? 0;
  let n = integerInside(a, lo, hi, inclusive, POW10[j] ?? 1);
  while (Number.isNaN(n) && j < 12) {
    j += 1;
    n = integerInside(a, lo, hi, inclusive, POW10[j] ?? 1);
  }
  if (Number.isNaN(n)) return null;
  while (j > 0) {
    const shorter = integerInside(a, lo, hi, inclusive, POW10[j - 1] ?? 1);
    if (Number.isNaN(shorter)) break;
    n = shorter;
    j -= 1;
  }
  if (j === 0) return '' + n;
  const scale = POW10[j] ?? 1;
  const fraction = n % scale; // exact: both are integers below 2^53
  // scale + fraction writes the fraction's leading zeros after a 1 that slice drops.
  return (n - fraction) / scale + '.' + ('' + (scale + fraction)).slice(1);
}

/** The integer nearest to a·scale within the scaled interval, or NaN if none is in it. */
function integerInside(a: number, lo: number, hi: number, inclusive: boolean, scale: number): number {
  const x = a * scale;
  const xlo = lo * scale;
  const xhi = hi * scale;
  const nearest = Math.round(x);
  if (within(nearest, xlo, xhi, inclusive)) return nearest;
  // If the nearest is outside, its neighbour towards x is the only other candidate.
  const next = nearest < x ? nearest + 1 : nearest - 1;
  return within(next, xlo, xhi, inclusive) ? next : NaN;
}

function within(n: number, lo: number, hi: number, inclusive: boolean): boolean {
  return (n > lo || (n === lo && inclusive)) && (n < hi || (n === hi && inclusive));
}

/**
 * The general case, by counting digits with toPrecision: 9 always suffice for float32, and fewer
 * digits only ever fail if more do too, so 8 is tried first and the shorter lengths by bisection.
 */
function float32ToStringByPrecision(v: number): string {
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
