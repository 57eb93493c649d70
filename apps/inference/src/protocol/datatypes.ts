import type { DType } from '../runtime/tensor';

/** The tensor datatypes of the Open Inference Protocol, by name. */
export type OipDatatype = 'BOOL' | 'INT8' | 'INT16' | 'INT32' | 'INT64' | 'UINT8' | 'UINT16' | 'UINT32' | 'UINT64' | 'FP16' | 'FP32' | 'FP64' | 'BYTES';

const TO_OIP: Record<DType, OipDatatype> = {
  bool: 'BOOL',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  float16: 'FP16',
  float32: 'FP32',
  float64: 'FP64',
  string: 'BYTES',
};

// A Map, not an object lookup, so that names such as "toString" or "__proto__" are simply unknown.
const FROM_OIP = new Map<string, DType>(Object.entries(TO_OIP).map(([dtype, oip]) => [oip, dtype as DType]));

export function oipDatatype(dtype: DType): OipDatatype {
  return TO_OIP[dtype];
}

/** The host dtype of an OIP datatype name (case-sensitive, as the protocol says), or null. */
export function dtypeOf(datatype: string): DType | null {
  return FROM_OIP.get(datatype) ?? null;
}

/** Bytes per element in the binary tensor format; BYTES elements have no fixed size (0 here). */
export function elementSize(dtype: DType): number {
  switch (dtype) {
    case 'int8':
    case 'uint8':
    case 'bool':
      return 1;
    case 'int16':
    case 'uint16':
    case 'float16':
      return 2;
    case 'int32':
    case 'uint32':
    case 'float32':
      return 4;
    case 'int64':
    case 'uint64':
    case 'float64':
      return 8;
    case 'string':
      return 0;
  }
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
