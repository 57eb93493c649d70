import { float16ToString, float32ToString, fromFloat16Bits, toFloat16Bits } from './numbers';

/** Significant digits of a decimal number's text (zeros that only place the point do not count). */
function significantDigits(text: string): number {
  const mantissa = text.replace(/^-/, '').split('e')[0] ?? '';
  return mantissa.replace('.', '').replace(/^0+/, '').replace(/0+$/, '').length;
}

describe('float32ToString', () => {
  it('prints the shortest decimal of a float32, not the float64 expansion of it', () => {
    expect(float32ToString(Math.fround(0.1))).toBe('0.1');
    expect(float32ToString(Math.fround(0.3))).toBe('0.3');
    expect(float32ToString(Math.fround(1 / 3))).toBe('0.33333334');
    expect(float32ToString(Math.fround(-2.5e-7))).toBe('-2.5e-7');
    expect(float32ToString(Math.fround(3.4028234663852886e38))).toBe('3.4028235e+38');
    expect(float32ToString(1.401298464324817e-45)).toBe('1e-45'); // the smallest subnormal
    expect(float32ToString(16777216)).toBe('16777216');
    expect(float32ToString(Math.fround(1e20))).toBe('100000000000000000000');
    expect(float32ToString(0)).toBe('0');
    expect(float32ToString(Math.fround(0.001))).toBe('0.001');
    expect(float32ToString(Math.fround(-1234.5678))).toBe('-1234.5677');
    expect(float32ToString(Math.fround(8388607.5))).toBe('8388607.5');
    expect(float32ToString(2 ** -10)).toBe('0.0009765625');
    expect(float32ToString(Math.fround(1e-5))).toBe('0.00001');
    expect(float32ToString(Math.fround(1e-7))).toBe('1e-7');
    expect(float32ToString(-42)).toBe('-42');
  });

  it('writes non-finite values as the JSON strings NaN, Infinity and -Infinity', () => {
    expect([NaN, Infinity, -Infinity].map(float32ToString)).toEqual(['"NaN"', '"Infinity"', '"-Infinity"']);
  });

  it('prints values of the common range exactly as the nearest decimal with that many digits', () => {
    const wrong: string[] = [];
    const values: number[] = [];
    let seed = 7;
    for (let i = 0; i < 20000; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
      // Magnitudes from 1e-4 to 1e7, both signs: the range model outputs usually fall in.
      values.push(Math.fround((seed & 1 ? -1 : 1) * 10 ** ((seed / 2 ** 32) * 11 - 4)));
    }
    // Powers of two and their neighbours, where the float32 below is only half as far away as the one above.
    const bits = new Uint32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    for (let exponent = 100; exponent < 160; exponent++) {
      for (const delta of [-1, 0, 1]) {
        bits[0] = (exponent << 23) + delta;
        values.push(asFloat[0] ?? 0);
      }
    }
    for (const v of values) {
      const text = float32ToString(v);
      const digits = significantDigits(text);
      if (Math.fround(Number(text)) !== v) wrong.push(`${v} printed ${text}, which reads back as ${Math.fround(Number(text))}`);
      else if (digits > 1 && Math.fround(Number(v.toPrecision(digits - 1))) === v) wrong.push(`${v} printed ${text}, ${v.toPrecision(digits - 1)} is shorter`);
      else if (Math.fround(Number(v.toPrecision(digits))) === v && Number(text) !== Number(v.toPrecision(digits))) wrong.push(`${v} printed ${text}, ${v.toPrecision(digits)} is nearer`);
      else if (text !== String(Number(text))) wrong.push(`${v} printed ${text}, not in JavaScript's number format`);
    }
    expect(wrong).toEqual([]);
  });

  it('reads back to the same float32 with no shorter decimal that would (random bit patterns)', () => {
    const bits = new Uint32Array(1);
    const asFloat = new Float32Array(bits.buffer);
    let seed = 12345;
    const wrong: string[] = [];
    for (let i = 0; i < 20000; i++) {
      seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0; // a fixed LCG: the same values every run
      bits[0] = seed;
      const v = asFloat[0] ?? 0;
      if (!Number.isFinite(v)) continue;
      const text = float32ToString(v);
      const digits = significantDigits(text);
      if (JSON.parse(text) !== Number(text) || Math.fround(Number(text)) !== v) wrong.push(`${v} printed ${text}`);
      else if (digits > 1 && Math.fround(Number(v.toPrecision(digits - 1))) === v) wrong.push(`${v} printed ${text}, ${v.toPrecision(digits - 1)} is shorter`);
    }
    expect(wrong).toEqual([]);
  });
});

describe('float16', () => {
  it('encodes known values to their IEEE half bits', () => {
    expect(toFloat16Bits(1)).toBe(0x3c00);
    expect(toFloat16Bits(-2)).toBe(0xc000);
    expect(toFloat16Bits(65504)).toBe(0x7bff);
    expect(toFloat16Bits(0.1)).toBe(0x2e66);
    expect(toFloat16Bits(2 ** -24)).toBe(0x0001);
    expect(toFloat16Bits(2 ** -14)).toBe(0x0400);
    expect(toFloat16Bits(0)).toBe(0x0000);
    expect(toFloat16Bits(-0)).toBe(0x8000);
    expect(toFloat16Bits(Infinity)).toBe(0x7c00);
    expect(toFloat16Bits(65520)).toBe(0x7c00); // half way past the largest finite half rounds up
    expect(toFloat16Bits(NaN) & 0x7c00).toBe(0x7c00);
  });

  it('rounds to nearest, ties to even', () => {
    // Between 2048 and 4096 halves are 2 apart: 2049 and 2051 are ties.
    expect(fromFloat16Bits(toFloat16Bits(2049))).toBe(2048);
    expect(fromFloat16Bits(toFloat16Bits(2051))).toBe(2052);
    expect(fromFloat16Bits(toFloat16Bits(2049.5))).toBe(2050);
    expect(toFloat16Bits(2 ** -25)).toBe(0); // tie between 0 and the smallest subnormal
    expect(toFloat16Bits(3 * 2 ** -25)).toBe(2);
  });

  it('decodes and re-encodes every finite half, and prints each as a decimal that reads back to it', () => {
    const wrong: string[] = []; // one expect at the end: 65536 expect calls would take seconds
    for (let bits = 0; bits < 0x10000; bits++) {
      const v = fromFloat16Bits(bits);
      if (Number.isNaN(v)) continue;
      if (toFloat16Bits(v) !== bits) wrong.push(`bits ${bits} -> ${v} -> ${toFloat16Bits(v)}`);
      if (!Number.isFinite(v)) continue;
      const text = float16ToString(bits);
      if ((toFloat16Bits(Number(text)) & 0x7fff) !== (bits & 0x7fff) || significantDigits(text) > 5) wrong.push(`bits ${bits} printed ${text}`);
    }
    expect(wrong).toEqual([]);
    expect(float16ToString(0x2e66)).toBe('0.1');
    expect(float16ToString(0x3555)).toBe('0.3333');
    expect(float16ToString(0x7c00)).toBe('"Infinity"');
  });
});
