import type { DType, HostTensor, ModelIo } from '../runtime/tensor';
import { decodeInferRequest } from './infer-request';

const json = (body: unknown): Buffer => Buffer.from(JSON.stringify(body), 'utf8');
const oneInputNamed = (name: string): ModelIo => ({ inputs: [{ name, dtype: 'int8', shape: [1] }], outputs: [] });
const oneInput = (dtype: DType, shape: number[]): ModelIo => ({ inputs: [{ name: 'x', dtype, shape }], outputs: [{ name: 'y', dtype: 'float32', shape: [-1] }] });

/** A request with binary inputs laid out as the extension says: the JSON, then each input's bytes in order. */
function binaryRequest(header: object, ...parts: Buffer[]): { body: Buffer; length: string } {
  const text = Buffer.from(JSON.stringify(header), 'utf8');
  return { body: Buffer.concat([text, ...parts]), length: String(text.length) };
}

function le(write: (b: Buffer, v: number, at: number) => void, size: number, values: number[]): Buffer {
  const b = Buffer.alloc(size * values.length);
  values.forEach((v, i) => write(b, v, i * size));
  return b;
}

function bytesElements(...items: string[]): Buffer {
  return Buffer.concat(items.flatMap((s) => {
    const utf8 = Buffer.from(s, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32LE(utf8.length);
    return [length, utf8];
  }));
}

interface DatatypeCase {
  datatype: string;
  dtype: DType;
  json: unknown[];
  binary: Buffer;
  expected: HostTensor['data'];
}

// Values at the edges of each type; JSON and binary encode the same tensor, so both must decode to `expected`.
const cases: DatatypeCase[] = [
  { datatype: 'BOOL', dtype: 'bool', json: [true, false, true], binary: Buffer.from([1, 0, 1]), expected: Uint8Array.of(1, 0, 1) },
  { datatype: 'INT8', dtype: 'int8', json: [-128, 0, 127], binary: Buffer.from([0x80, 0, 0x7f]), expected: Int8Array.of(-128, 0, 127) },
  { datatype: 'INT16', dtype: 'int16', json: [-32768, 1, 32767], binary: le((b, v, at) => b.writeInt16LE(v, at), 2, [-32768, 1, 32767]), expected: Int16Array.of(-32768, 1, 32767) },
  { datatype: 'INT32', dtype: 'int32', json: [-2147483648, -1, 2147483647], binary: le((b, v, at) => b.writeInt32LE(v, at), 4, [-2147483648, -1, 2147483647]), expected: Int32Array.of(-2147483648, -1, 2147483647) },
  {
    datatype: 'INT64',
    dtype: 'int64',
    json: ['-9223372036854775808', 42, '9223372036854775807'],
    binary: Buffer.concat([-(2n ** 63n), 42n, 2n ** 63n - 1n].map((v) => { const b = Buffer.alloc(8); b.writeBigInt64LE(v); return b; })),
    expected: BigInt64Array.of(-(2n ** 63n), 42n, 2n ** 63n - 1n),
  },
  { datatype: 'UINT8', dtype: 'uint8', json: [0, 128, 255], binary: Buffer.from([0, 128, 255]), expected: Uint8Array.of(0, 128, 255) },
  { datatype: 'UINT16', dtype: 'uint16', json: [0, 1, 65535], binary: le((b, v, at) => b.writeUInt16LE(v, at), 2, [0, 1, 65535]), expected: Uint16Array.of(0, 1, 65535) },
  { datatype: 'UINT32', dtype: 'uint32', json: [0, 7, 4294967295], binary: le((b, v, at) => b.writeUInt32LE(v, at), 4, [0, 7, 4294967295]), expected: Uint32Array.of(0, 7, 4294967295) },
  {
    datatype: 'UINT64',
    dtype: 'uint64',
    json: [0, '9007199254740993', '18446744073709551615'],
    binary: Buffer.concat([0n, 9007199254740993n, 2n ** 64n - 1n].map((v) => { const b = Buffer.alloc(8); b.writeBigUInt64LE(v); return b; })),
    expected: BigUint64Array.of(0n, 9007199254740993n, 2n ** 64n - 1n),
  },
  // FP16 in JSON is numbers; in binary and in the host tensor it is the raw IEEE half bits.
  { datatype: 'FP16', dtype: 'float16', json: [1, -2, 65504], binary: le((b, v, at) => b.writeUInt16LE(v, at), 2, [0x3c00, 0xc000, 0x7bff]), expected: Uint16Array.of(0x3c00, 0xc000, 0x7bff) },
  { datatype: 'FP32', dtype: 'float32', json: [0.1, -1.5, 3.4028234663852886e38], binary: le((b, v, at) => b.writeFloatLE(v, at), 4, [0.1, -1.5, 3.4028234663852886e38]), expected: Float32Array.of(0.1, -1.5, 3.4028234663852886e38) },
  { datatype: 'FP64', dtype: 'float64', json: [0.1, -1e300, 5e-324], binary: le((b, v, at) => b.writeDoubleLE(v, at), 8, [0.1, -1e300, 5e-324]), expected: Float64Array.of(0.1, -1e300, 5e-324) },
  { datatype: 'BYTES', dtype: 'string', json: ['héllo', '', 'a"b'], binary: bytesElements('héllo', '', 'a"b'), expected: ['héllo', '', 'a"b'] },
];

describe('decodeInferRequest', () => {
  describe.each(cases)('$datatype', ({ datatype, dtype, json: values, binary, expected }) => {
    it('decodes JSON data', () => {
      const request = decodeInferRequest(json({ inputs: [{ name: 'x', shape: [3], datatype, data: values }] }), {}, oneInput(dtype, [-1]));
      expect(request.inputs).toEqual({ x: { dtype, shape: [3], data: expected } });
    });

    it('decodes binary data', () => {
      const { body, length } = binaryRequest({ inputs: [{ name: 'x', shape: [3], datatype, parameters: { binary_data_size: binary.length } }] }, binary);
      const request = decodeInferRequest(body, { contentType: 'application/octet-stream', inferenceHeaderContentLength: length }, oneInput(dtype, [-1]));
      expect(request.inputs).toEqual({ x: { dtype, shape: [3], data: expected } });
    });
  });

  it('takes flat (row-major) and nested data for the same tensor alike', () => {
    const io = oneInput('float32', [-1, 2, 2]);
    const flat = decodeInferRequest(json({ inputs: [{ name: 'x', shape: [2, 2, 2], datatype: 'FP32', data: [1, 2, 3, 4, 5, 6, 7, 8] }] }), {}, io);
    const nested = decodeInferRequest(json({ inputs: [{ name: 'x', shape: [2, 2, 2], datatype: 'FP32', data: [[[1, 2], [3, 4]], [[5, 6], [7, 8]]] }] }), {}, io);
    expect(flat.inputs['x']).toEqual({ dtype: 'float32', shape: [2, 2, 2], data: Float32Array.of(1, 2, 3, 4, 5, 6, 7, 8) });
    expect(nested.inputs['x']).toEqual(flat.inputs['x']);
  });

  it('keeps INT64 values beyond 2^53 exact when they come as decimal strings', () => {
    const request = decodeInferRequest(json({ inputs: [{ name: 'x', shape: [2], datatype: 'INT64', data: ['9007199254740993', '-9007199254740995'] }] }), {}, oneInput('int64', [2]));
    expect(request.inputs['x']?.data).toEqual(BigInt64Array.of(9007199254740993n, -9007199254740995n));
  });

  it('reads the strings NaN, Infinity and -Infinity as those floats', () => {
    const request = decodeInferRequest(json({ inputs: [{ name: 'x', shape: [3], datatype: 'FP32', data: ['NaN', 'Infinity', '-Infinity'] }] }), {}, oneInput('float32', [3]));
    expect(request.inputs['x']?.data).toEqual(Float32Array.of(NaN, Infinity, -Infinity));
  });

  it('accepts dynamic dimensions of any size, zero-sized tensors and scalars', () => {
    const io: ModelIo = { inputs: [{ name: 'batch', dtype: 'int32', shape: [-1, 3] }, { name: 'scale', dtype: 'float64', shape: [] }], outputs: [] };
    const request = decodeInferRequest(
      json({ inputs: [{ name: 'batch', shape: [0, 3], datatype: 'INT32', data: [] }, { name: 'scale', shape: [], datatype: 'FP64', data: [2.5] }] }),
      {},
      io,
    );
    expect(request.inputs).toEqual({ batch: { dtype: 'int32', shape: [0, 3], data: new Int32Array(0) }, scale: { dtype: 'float64', shape: [], data: Float64Array.of(2.5) } });
  });

  it('returns the id, the requested outputs with their binary choice, and binary_data_output as the default', () => {
    const io: ModelIo = { inputs: [{ name: 'x', dtype: 'float32', shape: [1] }], outputs: [{ name: 'label', dtype: 'int64', shape: [-1] }, { name: 'probs', dtype: 'float32', shape: [-1, 2] }] };
    const input = { name: 'x', shape: [1], datatype: 'FP32', data: [1] };
    expect(decodeInferRequest(json({ id: 'req-1', inputs: [input] }), {}, io)).toEqual({ id: 'req-1', inputs: { x: { dtype: 'float32', shape: [1], data: Float32Array.of(1) } }, outputs: null, binaryDefault: false });
    const asked = decodeInferRequest(
      json({ parameters: { binary_data_output: true }, inputs: [input], outputs: [{ name: 'probs' }, { name: 'label', parameters: { binary_data: false } }] }),
      { contentType: 'application/json; charset=utf-8' },
      io,
    );
    expect(asked.outputs).toEqual([{ name: 'probs', binary: true }, { name: 'label', binary: false }]);
    expect(asked.binaryDefault).toBe(true);
    expect(asked).not.toHaveProperty('id');
    const one = decodeInferRequest(json({ inputs: [input], outputs: [{ name: 'label', parameters: { binary_data: true } }] }), {}, io);
    expect(one.outputs).toEqual([{ name: 'label', binary: true }]);
    expect(decodeInferRequest(json({ inputs: [input], outputs: [] }), {}, io).outputs).toBeNull();
  });

  it('mixes JSON and binary inputs, taking the binary parts in the order of the inputs that have them', () => {
    const io: ModelIo = {
      inputs: [{ name: 'a', dtype: 'float32', shape: [2] }, { name: 'b', dtype: 'int64', shape: [1] }, { name: 'c', dtype: 'string', shape: [2] }, { name: 'd', dtype: 'uint8', shape: [3] }],
      outputs: [],
    };
    const a = le((b, v, at) => b.writeFloatLE(v, at), 4, [0.25, -8]);
    const c = bytesElements('x', 'yz');
    // A header of odd length puts the float bytes at an odd offset: the decoder must not view them in place.
    const { body, length } = binaryRequest(
      {
        id: 'odd1',
        inputs: [
          { name: 'a', shape: [2], datatype: 'FP32', parameters: { binary_data_size: 8 } },
          { name: 'b', shape: [1], datatype: 'INT64', data: ['-5'] },
          { name: 'c', shape: [2], datatype: 'BYTES', parameters: { binary_data_size: c.length } },
          { name: 'd', shape: [3], datatype: 'UINT8', data: [1, 2, 3] },
        ],
      },
      a,
      c,
    );
    expect(Number(length) % 2).toBe(1);
    const request = decodeInferRequest(body, { inferenceHeaderContentLength: length }, io);
    expect(request.inputs).toEqual({
      a: { dtype: 'float32', shape: [2], data: Float32Array.of(0.25, -8) },
      b: { dtype: 'int64', shape: [1], data: BigInt64Array.of(-5n) },
      c: { dtype: 'string', shape: [2], data: ['x', 'yz'] },
      d: { dtype: 'uint8', shape: [3], data: Uint8Array.of(1, 2, 3) },
    });
  });

  it('keeps an input named __proto__ as an input, not as the prototype of the result', () => {
    const request = decodeInferRequest(Buffer.from('{"inputs":[{"name":"__proto__","shape":[1],"datatype":"INT8","data":[3]}]}'), {}, oneInputNamed('__proto__'));
    expect(Object.keys(request.inputs)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(request.inputs)).toBe(Object.prototype);
  });

  it('reads a body whose JSON header is all of it when no input is binary', () => {
    const { body, length } = binaryRequest({ inputs: [{ name: 'x', shape: [1], datatype: 'FP32', data: [2] }] });
    const request = decodeInferRequest(body, { contentType: 'application/octet-stream', inferenceHeaderContentLength: length }, oneInput('float32', [1]));
    expect(request.inputs['x']?.data).toEqual(Float32Array.of(2));
  });
});
