import type { ModelIo, NamedTensors } from '../runtime/tensor';
import { decodeInferRequest } from './infer-request';
import { encodeInferResponse } from './infer-response';

/** Splits a response as a client would: the JSON header (whole body without the header) and the bytes after it. */
function split(res: { body: Buffer; headers: Record<string, string> }): { json: string; tail: Buffer } {
  const length = res.headers['inference-header-content-length'];
  const jsonLength = length === undefined ? res.body.length : Number(length);
  return { json: res.body.subarray(0, jsonLength).toString('utf8'), tail: res.body.subarray(jsonLength) };
}

const single = (tensor: NamedTensors[string]): string => split(encodeInferResponse('m', '1', undefined, { y: tensor }, null, false)).json;

describe('encodeInferResponse', () => {
  it('answers in JSON with model name, version, id and each output\'s name, datatype, shape and flat data', () => {
    const res = encodeInferResponse('iris', '3', 'req-7', { label: { dtype: 'int64', shape: [2], data: BigInt64Array.of(1n, 0n) }, probs: { dtype: 'float32', shape: [2, 2], data: Float32Array.of(0.25, 0.75, 1, 0) } }, null, false);
    expect(res.headers).toEqual({ 'content-type': 'application/json' });
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({
      model_name: 'iris',
      model_version: '3',
      id: 'req-7',
      outputs: [
        { name: 'label', datatype: 'INT64', shape: [2], data: [1, 0] },
        { name: 'probs', datatype: 'FP32', shape: [2, 2], data: [0.25, 0.75, 1, 0] },
      ],
    });
  });

  it('leaves out an empty model version and a missing id', () => {
    const res = encodeInferResponse('m', '', undefined, { y: { dtype: 'uint8', shape: [1], data: Uint8Array.of(9) } }, null, false);
    expect(JSON.parse(res.body.toString('utf8'))).toEqual({ model_name: 'm', outputs: [{ name: 'y', datatype: 'UINT8', shape: [1], data: [9] }] });
  });

  it('escapes names and ids as JSON strings', () => {
    const res = encodeInferResponse('a"b', '1', 'line\nbreak', { 'out\\put': { dtype: 'int8', shape: [1], data: Int8Array.of(-1) } }, null, false);
    expect(JSON.parse(res.body.toString('utf8'))).toMatchObject({ model_name: 'a"b', id: 'line\nbreak', outputs: [{ name: 'out\\put' }] });
  });

  it('prints each datatype as JSON, float32 as its shortest decimal and 64-bit integers as exact digits', () => {
    expect(single({ dtype: 'float32', shape: [4], data: Float32Array.of(0.1, 1 / 3, -2.5e-7, 3e38) })).toContain('"datatype":"FP32","shape":[4],"data":[0.1,0.33333334,-2.5e-7,3e+38]');
    expect(single({ dtype: 'float64', shape: [3], data: Float64Array.of(0.1, 1 / 3, -1e300) })).toContain('"data":[0.1,0.3333333333333333,-1e+300]');
    expect(single({ dtype: 'float16', shape: [3], data: Uint16Array.of(0x3c00, 0x2e66, 0xfbff) })).toContain('"datatype":"FP16","shape":[3],"data":[1,0.1,-65504]');
    expect(single({ dtype: 'int8', shape: [2], data: Int8Array.of(-128, 127) })).toContain('"datatype":"INT8","shape":[2],"data":[-128,127]');
    expect(single({ dtype: 'int16', shape: [2], data: Int16Array.of(-32768, 32767) })).toContain('"datatype":"INT16","shape":[2],"data":[-32768,32767]');
    expect(single({ dtype: 'int32', shape: [2], data: Int32Array.of(-2147483648, 2147483647) })).toContain('"datatype":"INT32","shape":[2],"data":[-2147483648,2147483647]');
    expect(single({ dtype: 'int64', shape: [3], data: BigInt64Array.of(-(2n ** 63n), 9007199254740993n, 0n) })).toContain('"datatype":"INT64","shape":[3],"data":[-9223372036854775808,9007199254740993,0]');
    expect(single({ dtype: 'uint8', shape: [2], data: Uint8Array.of(0, 255) })).toContain('"datatype":"UINT8","shape":[2],"data":[0,255]');
    expect(single({ dtype: 'uint16', shape: [1], data: Uint16Array.of(65535) })).toContain('"datatype":"UINT16","shape":[1],"data":[65535]');
    expect(single({ dtype: 'uint32', shape: [1], data: Uint32Array.of(4294967295) })).toContain('"datatype":"UINT32","shape":[1],"data":[4294967295]');
    expect(single({ dtype: 'uint64', shape: [1], data: BigUint64Array.of(2n ** 64n - 1n) })).toContain('"datatype":"UINT64","shape":[1],"data":[18446744073709551615]');
    expect(single({ dtype: 'bool', shape: [2], data: Uint8Array.of(1, 0) })).toContain('"datatype":"BOOL","shape":[2],"data":[true,false]');
    expect(single({ dtype: 'string', shape: [3], data: ['héllo', 'a"b', ''] })).toContain('"datatype":"BYTES","shape":[3],"data":["héllo","a\\"b",""]');
    expect(single({ dtype: 'float32', shape: [0], data: new Float32Array(0) })).toContain('"shape":[0],"data":[]');
  });

  it('writes NaN and infinities as strings, keeping the body valid JSON', () => {
    const text = single({ dtype: 'float32', shape: [3], data: Float32Array.of(NaN, Infinity, -Infinity) });
    expect(JSON.parse(text)).toMatchObject({ outputs: [{ data: ['NaN', 'Infinity', '-Infinity'] }] });
    expect(JSON.parse(single({ dtype: 'float64', shape: [1], data: Float64Array.of(NaN) }))).toMatchObject({ outputs: [{ data: ['NaN'] }] });
  });

  it('appends outputs requested as binary after the JSON, with binary_data_size and Inference-Header-Content-Length', () => {
    const outputs: NamedTensors = {
      probs: { dtype: 'float32', shape: [1, 2], data: Float32Array.of(0.25, -1) },
      label: { dtype: 'int64', shape: [1], data: BigInt64Array.of(-3n) },
      words: { dtype: 'string', shape: [2], data: ['hi', 'é'] },
    };
    const res = encodeInferResponse('m', '1', 'r', outputs, [{ name: 'words', binary: true }, { name: 'label', binary: false }, { name: 'probs', binary: true }], false);
    expect(res.headers['content-type']).toBe('application/octet-stream');
    const { json, tail } = split(res);
    expect(JSON.parse(json)).toEqual({
      model_name: 'm',
      model_version: '1',
      id: 'r',
      outputs: [
        { name: 'words', datatype: 'BYTES', shape: [2], parameters: { binary_data_size: 4 + 2 + 4 + 2 } },
        { name: 'label', datatype: 'INT64', shape: [1], data: [-3] },
        { name: 'probs', datatype: 'FP32', shape: [1, 2], parameters: { binary_data_size: 8 } },
      ],
    });
    const expectedTail = Buffer.alloc(20);
    expectedTail.writeUInt32LE(2, 0);
    expectedTail.write('hi', 4);
    expectedTail.writeUInt32LE(2, 6);
    expectedTail.write('é', 10); // two bytes in UTF-8
    expectedTail.writeFloatLE(0.25, 12);
    expectedTail.writeFloatLE(-1, 16);
    expect(tail).toEqual(expectedTail);
  });

  it('makes every output binary when binary_data_output is set and the request names none', () => {
    const res = encodeInferResponse('m', '1', undefined, { a: { dtype: 'bool', shape: [2], data: Uint8Array.of(0, 1) }, b: { dtype: 'float16', shape: [1], data: Uint16Array.of(0x3c00) } }, null, true);
    const { json, tail } = split(res);
    expect(JSON.parse(json).outputs).toEqual([
      { name: 'a', datatype: 'BOOL', shape: [2], parameters: { binary_data_size: 2 } },
      { name: 'b', datatype: 'FP16', shape: [1], parameters: { binary_data_size: 2 } },
    ]);
    expect([...tail]).toEqual([0, 1, 0x00, 0x3c]);
  });

  it('returns only the requested outputs, in the order requested', () => {
    const outputs: NamedTensors = { a: { dtype: 'int32', shape: [1], data: Int32Array.of(1) }, b: { dtype: 'int32', shape: [1], data: Int32Array.of(2) }, c: { dtype: 'int32', shape: [1], data: Int32Array.of(3) } };
    const res = encodeInferResponse('m', '1', undefined, outputs, [{ name: 'c', binary: false }, { name: 'a', binary: false }], true);
    const body = JSON.parse(res.body.toString('utf8')) as { outputs: Array<{ name: string }> };
    expect(body.outputs.map((o) => o.name)).toEqual(['c', 'a']);
    expect(res.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('round-trips binary inputs into binary and JSON outputs holding the same values', () => {
    const io: ModelIo = {
      inputs: [{ name: 'v', dtype: 'float64', shape: [-1] }, { name: 'n', dtype: 'uint64', shape: [2] }, { name: 's', dtype: 'string', shape: [1] }],
      outputs: [{ name: 'v', dtype: 'float64', shape: [-1] }, { name: 'n', dtype: 'uint64', shape: [2] }, { name: 's', dtype: 'string', shape: [1] }],
    };
    const v = Buffer.alloc(24);
    [Math.PI, -0.5, 1e-300].forEach((x, i) => v.writeDoubleLE(x, i * 8));
    const n = Buffer.alloc(16);
    n.writeBigUInt64LE(2n ** 64n - 2n, 0);
    n.writeBigUInt64LE(12345678901234567890n, 8);
    const s = Buffer.from([2, 0, 0, 0, 0xc3, 0xa9]); // one BYTES element: "é" in UTF-8
    const header = Buffer.from(JSON.stringify({
      inputs: [
        { name: 'v', shape: [3], datatype: 'FP64', parameters: { binary_data_size: 24 } },
        { name: 'n', shape: [2], datatype: 'UINT64', parameters: { binary_data_size: 16 } },
        { name: 's', shape: [1], datatype: 'BYTES', parameters: { binary_data_size: 6 } },
      ],
      outputs: [{ name: 'n', parameters: { binary_data: true } }, { name: 'v', parameters: { binary_data: true } }, { name: 's' }],
    }));
    const request = decodeInferRequest(Buffer.concat([header, v, n, s]), { inferenceHeaderContentLength: String(header.length) }, io);
    // The model here is the identity: its outputs are its inputs.
    const res = encodeInferResponse('echo', '1', request.id, request.inputs, request.outputs, request.binaryDefault);
    const { json, tail } = split(res);
    expect(JSON.parse(json).outputs).toEqual([
      { name: 'n', datatype: 'UINT64', shape: [2], parameters: { binary_data_size: 16 } },
      { name: 'v', datatype: 'FP64', shape: [3], parameters: { binary_data_size: 24 } },
      { name: 's', datatype: 'BYTES', shape: [1], data: ['é'] },
    ]);
    expect(tail).toEqual(Buffer.concat([n, v]));
  });
});
