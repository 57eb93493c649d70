/**
 * Tensors as the inference service moves them around: plain typed arrays plus a shape, independent of
 * onnxruntime (the codecs build them from JSON or binary bodies, the runtime hands them to ORT).
 */
export const DTYPES = ['float32', 'float64', 'float16', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'bool', 'string'] as const;
export type DType = (typeof DTYPES)[number];

export type NumericData = Float32Array | Float64Array | Uint16Array | Int8Array | Int16Array | Int32Array | BigInt64Array | Uint8Array | Uint32Array | BigUint64Array;
/** `bool` travels as Uint8Array (0/1), `float16` as Uint16Array (raw bits), `string` as string[]. */
export type TensorData = NumericData | string[];

export interface HostTensor {
  dtype: DType;
  shape: number[];
  data: TensorData;
}

export type NamedTensors = Record<string, HostTensor>;

/** An input or output as the model declares it; -1 marks a dynamic dimension. */
export interface IoSpec {
  name: string;
  dtype: DType;
  shape: number[];
}

export interface ModelIo {
  inputs: IoSpec[];
  outputs: IoSpec[];
}

export function elementCount(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** Allocates a zero-filled array of `n` elements of `dtype`. */
export function allocate(dtype: DType, n: number): TensorData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(n);
    case 'float64':
      return new Float64Array(n);
    case 'float16':
    case 'uint16':
      return new Uint16Array(n);
    case 'int8':
      return new Int8Array(n);
    case 'int16':
      return new Int16Array(n);
    case 'int32':
      return new Int32Array(n);
    case 'int64':
      return new BigInt64Array(n);
    case 'uint8':
    case 'bool':
      return new Uint8Array(n);
    case 'uint32':
      return new Uint32Array(n);
    case 'uint64':
      return new BigUint64Array(n);
    case 'string':
      return new Array<string>(n).fill('');
  }
}
