/**
 * Typed arrays → JSON text, by hand: float32 as the shortest decimal that reads back to the same
 * float32, int64 as plain digits, non-finite floats as "NaN" / "Infinity" / "-Infinity".
 */
import type { DType, TensorData } from '../runtime/tensor';
import { float16ToString, float32ToString, nonFiniteName } from './numbers';

/** Elements [from, to) of `data` as comma-separated JSON values (no brackets). */
export function jsonValues(dtype: DType, data: TensorData, from: number, to: number): string {
  if (from >= to) return '';
  switch (dtype) {
    case 'float32': {
      const d = data as Float32Array;
      let s = float32ToString(d[from] ?? 0);
      for (let i = from + 1; i < to; i++) s += ',' + float32ToString(d[i] ?? 0);
      return s;
    }
    case 'float64': {
      const d = data as Float64Array;
      let s = '';
      for (let i = from; i < to; i++) {
        const v = d[i] ?? 0;
        s += (i === from ? '' : ',') + (v - v === 0 ? '' + v : nonFiniteName(v));
      }
      return s;
    }
    case 'float16': {
      const d = data as Uint16Array;
      let s = float16ToString(d[from] ?? 0);
      for (let i = from + 1; i < to; i++) s += ',' + float16ToString(d[i] ?? 0);
      return s;
    }
    case 'bool': {
      const d = data as Uint8Array;
      let s = d[from] ? 'true' : 'false';
      for (let i = from + 1; i < to; i++) s += d[i] ? ',true' : ',false';
      return s;
    }
    case 'string': {
      const d = data as string[];
      let s = JSON.stringify(d[from] ?? '');
      for (let i = from + 1; i < to; i++) s += ',' + JSON.stringify(d[i] ?? '');
      return s;
    }
    default:
      // Integers, BigInt ones included: the native join prints plain decimal digits.
      return (data as Exclude<TensorData, string[]>).subarray(from, to).join(',');
  }
}

/** Elements [from, from + product(shape)) as nested JSON arrays of `shape` (a bare value for rank 0). */
export function jsonNested(dtype: DType, data: TensorData, shape: readonly number[], from: number): string {
  if (shape.length === 0) return jsonValues(dtype, data, from, from + 1);
  return nestedLevel(dtype, data, shape, 0, from).text;
}

function nestedLevel(dtype: DType, data: TensorData, shape: readonly number[], dim: number, from: number): { text: string; next: number } {
  const length = shape[dim] ?? 0;
  if (dim === shape.length - 1) return { text: `[${jsonValues(dtype, data, from, from + length)}]`, next: from + length };
  let text = '[';
  let at = from;
  for (let i = 0; i < length; i++) {
    const inner = nestedLevel(dtype, data, shape, dim + 1, at);
    text += (i === 0 ? '' : ',') + inner.text;
    at = inner.next;
  }
  return { text: text + ']', next: at };
}
