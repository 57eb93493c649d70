import { allocate, elementCount, HostTensor, NumericData } from './tensor';

/** Rows of a tensor along axis 0 (a scalar counts as one). */
export function rowsOf(t: HostTensor): number {
  return t.shape.length === 0 ? 1 : (t.shape[0] ?? 0);
}

/** Concatenates tensors of one dtype and equal inner shape along axis 0. */
export function concatRows(parts: readonly HostTensor[]): HostTensor {
  const first = parts[0];
  if (!first) throw new Error('nothing to concatenate');
  if (parts.length === 1) return first;
  const inner = first.shape.slice(1);
  const rows = parts.reduce((n, p) => n + rowsOf(p), 0);
  const shape = [rows, ...inner];
  if (first.dtype === 'string') {
    return { dtype: 'string', shape, data: parts.flatMap((p) => p.data as string[]) };
  }
  const out = allocate(first.dtype, elementCount(shape)) as NumericData;
  let offset = 0;
  for (const p of parts) {
    const src = p.data as NumericData;
    (out as Float64Array).set(src as Float64Array, offset);
    offset += src.length;
  }
  return { dtype: first.dtype, shape, data: out };
}

/** Rows [start, start + count) of `t`, sharing its buffer (no copy). */
export function sliceRows(t: HostTensor, start: number, count: number): HostTensor {
  const inner = elementCount(t.shape.slice(1));
  const shape = [count, ...t.shape.slice(1)];
  const data = Array.isArray(t.data) ? t.data.slice(start * inner, (start + count) * inner) : (t.data).subarray(start * inner, (start + count) * inner);
  return { dtype: t.dtype, shape, data };
}
