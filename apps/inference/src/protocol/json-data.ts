/**
 * JSON tensor data → typed arrays: one pass over the parsed values, writing straight into the
 * destination array, validating each element against the datatype on the way.
 */
import { allocate, elementCount, type DType, type TensorData } from '../runtime/tensor';
import { formatShape, oipDatatype } from './datatypes';
import { FLOAT16_MAX, parseNonFinite, toFloat16Bits } from './numbers';
import { badRequest } from './oip-error';

const INT_RANGES: Partial<Record<DType, readonly [number, number]>> = {
  int8: [-128, 127],
  int16: [-32768, 32767],
  int32: [-2147483648, 2147483647],
  uint8: [0, 255],
  uint16: [0, 65535],
  uint32: [0, 4294967295],
};
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;
const DECIMAL = /^-?[0-9]+$/;

function show(v: unknown): string {
  const text = typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? String(v)); // String: JSON would print Infinity as null
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** Reads `values` (a flat row of JSON values) into `dst` from index `at`; `label` names the tensor in errors. */
function fillRow(values: readonly unknown[], dtype: DType, dst: TensorData, at: number, label: string): void {
  const fail = (i: number, why: string): never => {
    throw badRequest(`${label}: element ${at + i} (${show(values[i])}) ${why}`);
  };
  const n = values.length;
  switch (dtype) {
    case 'float32':
    case 'float64': {
      const out = dst as Float32Array | Float64Array;
      // From this magnitude on, a double rounds to an infinite float32; a double is infinite only when JSON overflowed it.
      const max = dtype === 'float32' ? 3.4028235677973366e38 : Infinity;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v === 'number') {
          if (v >= max || v <= -max) fail(i, `is out of range for ${oipDatatype(dtype)}`);
          out[at + i] = v;
        } else {
          out[at + i] = typeof v === 'string' ? (parseNonFinite(v) ?? fail(i, `is not a number, as ${oipDatatype(dtype)} requires`)) : fail(i, `is not a number, as ${oipDatatype(dtype)} requires`);
        }
      }
      return;
    }
    case 'float16': {
      const out = dst as Uint16Array;
      for (let i = 0; i < n; i++) {
        const raw = values[i];
        const v = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseNonFinite(raw) : null;
        if (v === null) return void fail(i, 'is not a number, as FP16 requires');
        const bits = toFloat16Bits(v);
        if (Number.isFinite(v) && (bits & 0x7c00) === 0x7c00) fail(i, `is out of range for FP16 (largest finite value ${FLOAT16_MAX})`);
        out[at + i] = bits;
      }
      return;
    }
    case 'int64':
    case 'uint64': {
      const out = dst as BigInt64Array | BigUint64Array;
      const [min, max] = dtype === 'int64' ? [INT64_MIN, INT64_MAX] : [0n, UINT64_MAX];
      for (let i = 0; i < n; i++) {
        const v = values[i];
        let b: bigint;
        if (typeof v === 'number') {
          if (!Number.isInteger(v)) return void fail(i, `is not an integer, as ${oipDatatype(dtype)} requires`);
          if (!Number.isSafeInteger(v)) fail(i, 'is beyond 2^53 and was rounded as a JSON number; send it as a decimal string');
          b = BigInt(v);
        } else if (typeof v === 'string' && DECIMAL.test(v)) {
          b = BigInt(v);
        } else {
          return void fail(i, `is not an integer (a JSON number or a decimal string), as ${oipDatatype(dtype)} requires`);
        }
        if (b < min || b > max) fail(i, `is out of range for ${oipDatatype(dtype)}`);
        out[at + i] = b;
      }
      return;
    }
    case 'bool': {
      const out = dst as Uint8Array;
      for (let i = 0; i < n; i++) {
        const v = values[i];
        out[at + i] = v === true ? 1 : v === false ? 0 : fail(i, 'is not true or false, as BOOL requires');
      }
      return;
    }
    case 'string': {
      const out = dst as string[];
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v !== 'string') fail(i, 'is not a string, as BYTES requires');
        else if (v.includes('\u0000')) fail(i, 'holds a NUL character (U+0000), which ONNX Runtime cuts a string at');
        else out[at + i] = v;
      }
      return;
    }
    default: {
      const out = dst as Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array;
      const [min, max] = INT_RANGES[dtype] ?? [0, 0];
      for (let i = 0; i < n; i++) {
        const v = values[i];
        if (typeof v !== 'number' || Math.floor(v) !== v) fail(i, `is not an integer, as ${oipDatatype(dtype)} requires`);
        else if (v < min || v > max) fail(i, `is out of range for ${oipDatatype(dtype)} (${min} to ${max})`);
        else out[at + i] = v;
      }
    }
  }
}

/** Checks that nested arrays match `shape` at every level, before anything is allocated for them. */
function checkNested(values: readonly unknown[], shape: readonly number[], dim: number, path: string, label: string): void {
  if (values.length !== shape[dim]) {
    throw badRequest(`${label}: data does not match shape ${formatShape(shape)}: ${path} has ${values.length} elements, expected ${shape[dim]}`);
  }
  if (dim === shape.length - 1) return;
  for (let i = 0; i < values.length; i++) {
    const inner = values[i];
    if (!Array.isArray(inner)) {
      throw badRequest(`${label}: data does not match shape ${formatShape(shape)}: ${path}[${i}] is ${show(inner)}, expected an array of ${shape[dim + 1]}`);
    }
    checkNested(inner, shape, dim + 1, `${path}[${i}]`, label);
  }
}

/** Fills `dst` from nested arrays already checked against `shape`; returns the next write index. */
function fillNested(values: readonly unknown[], depth: number, dtype: DType, dst: TensorData, at: number, label: string): number {
  if (depth === 1) {
    fillRow(values, dtype, dst, at, label);
    return at + values.length;
  }
  for (const inner of values) at = fillNested(inner as unknown[], depth - 1, dtype, dst, at, label);
  return at;
}

function fromNested(data: readonly unknown[], dtype: DType, shape: readonly number[], label: string, root = 'data'): TensorData {
  checkNested(data, shape, 0, root, label);
  const dst = allocate(dtype, elementCount(shape));
  fillNested(data, shape.length, dtype, dst, 0, label);
  return dst;
}

/**
 * Tensor data from JSON: either flat (row-major, length = product of the shape) or nested arrays that
 * match the shape at every level. `label` starts every error message ("input 'x'").
 */
export function tensorDataFromJson(data: unknown, dtype: DType, shape: readonly number[], label: string): TensorData {
  if (!Array.isArray(data)) throw badRequest(`${label}: data must be an array`);
  const count = elementCount(shape);
  if (shape.length >= 2 && data.length > 0 && Array.isArray(data[0])) return fromNested(data, dtype, shape, label);
  if (data.length !== count) {
    throw badRequest(`${label}: data has ${data.length} elements, shape ${formatShape(shape)} needs ${count}`);
  }
  const dst = allocate(dtype, count);
  fillRow(data, dtype, dst, 0, label);
  return dst;
}

/** The shape of nested arrays, read along their first elements (rows are checked when filled). */
export function shapeOfNested(data: unknown): number[] {
  const shape: number[] = [];
  let level = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0];
  }
  return shape;
}

/** Nested (or scalar, for rank 0) data whose shape has been read with shapeOfNested; `root` names it in errors. */
export function tensorDataFromNested(data: unknown, dtype: DType, shape: readonly number[], label: string, root: string): TensorData {
  if (Array.isArray(data)) return fromNested(data, dtype, shape, label, root);
  const dst = allocate(dtype, 1);
  fillRow([data], dtype, dst, 0, label);
  return dst;
}
