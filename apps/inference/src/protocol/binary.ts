/**
 * The binary tensor data extension: little-endian, row-major, no padding; BOOL one byte 0/1; BYTES
 * elements as a 4-byte little-endian length followed by that many bytes.
 */
import { allocate, type DType, type TensorData } from '../runtime/tensor';
import { elementSize, formatShape, oipDatatype } from './datatypes';
import { badRequest } from './oip-error';

// The typed arrays are views in host byte order; every platform Node ships for in practice is little-endian.
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Decodes `bytes` (exactly the tensor's binary_data_size bytes) as `count` elements of `dtype`. */
export function tensorDataFromBinary(bytes: Buffer, dtype: DType, count: number, shape: readonly number[], label: string): TensorData {
  if (dtype === 'string') return stringsFromBinary(bytes, count, label);
  const size = elementSize(dtype);
  if (bytes.length !== count * size) {
    throw badRequest(`${label}: binary_data_size is ${bytes.length} bytes, shape ${formatShape(shape)} of ${oipDatatype(dtype)} needs ${count * size}`);
  }
  if (!LITTLE_ENDIAN) throw new Error('binary tensor data needs a little-endian host');
  const data = allocate(dtype, count) as Exclude<TensorData, string[]>;
  // A copy, not a view: the body slice may sit at an offset the typed array cannot be aligned to.
  bytes.copy(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  if (dtype === 'bool') {
    const flags = data as Uint8Array;
    const bad = flags.findIndex((b) => b > 1);
    if (bad >= 0) throw badRequest(`${label}: element ${bad} is byte ${flags[bad]}, BOOL takes 0 or 1`);
  }
  return data;
}

const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function stringsFromBinary(bytes: Buffer, count: number, label: string): string[] {
  // Every element takes at least its 4-byte length: checked before allocating `count` slots.
  if (count * 4 > bytes.length) throw badRequest(`${label}: binary_data_size is ${bytes.length} bytes, too small for ${count} BYTES elements`);
  const out = new Array<string>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    if (at + 4 > bytes.length) throw badRequest(`${label}: binary data ends before BYTES element ${i} of ${count}`);
    const length = bytes.readUInt32LE(at);
    at += 4;
    if (at + length > bytes.length) throw badRequest(`${label}: BYTES element ${i} declares ${length} bytes, only ${bytes.length - at} remain`);
    const element = bytes.subarray(at, at + length);
    // ONNX Runtime holds strings: bytes that are not UTF-8 would be replaced, and a NUL would cut the string.
    if (element.includes(0)) throw badRequest(`${label}: BYTES element ${i} holds a NUL byte, which ONNX Runtime cuts a string at`);
    try {
      out[i] = UTF8.decode(element);
    } catch {
      throw badRequest(`${label}: BYTES element ${i} is not valid UTF-8 (ONNX Runtime string tensors hold text)`);
    }
    at += length;
  }
  if (at !== bytes.length) throw badRequest(`${label}: binary_data_size is ${bytes.length} bytes, its ${count} BYTES elements take ${at}`);
  return out;
}

/** The tensor's bytes in the binary format; numeric data is a view of the array, not a copy. */
export function tensorDataToBinary(data: TensorData): Buffer {
  if (Array.isArray(data)) {
    const encoded = data.map((s) => Buffer.from(s, 'utf8'));
    const out = Buffer.allocUnsafe(encoded.reduce((n, b) => n + 4 + b.length, 0));
    let at = 0;
    for (const b of encoded) {
      at = out.writeUInt32LE(b.length, at);
      at += b.copy(out, at);
    }
    return out;
  }
  if (!LITTLE_ENDIAN) throw new Error('binary tensor data needs a little-endian host');
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
}
