import type { ModelIo } from '../runtime/tensor';
import { decodeInferRequest, type InferHeaders } from './infer-request';
import { OipError } from './oip-error';

const io: ModelIo = {
  inputs: [
    { name: 'x', dtype: 'float32', shape: [-1, 2] },
    { name: 'ids', dtype: 'int64', shape: [-1] },
  ],
  outputs: [{ name: 'y', dtype: 'float32', shape: [-1] }],
};
const ids = { name: 'ids', shape: [1], datatype: 'INT64', data: [1] };
const x = { name: 'x', shape: [1, 2], datatype: 'FP32', data: [1, 2] };

function failure(body: Buffer, headers: InferHeaders = {}, model: ModelIo = io): OipError {
  try {
    decodeInferRequest(body, headers, model);
  } catch (err) {
    if (err instanceof OipError) return err;
    throw err;
  }
  throw new Error('the request was accepted');
}

/** The error for a JSON request body, asserting it is a 400. */
function rejected(request: unknown, headers: InferHeaders = {}, model: ModelIo = io): string {
  const err = failure(Buffer.from(JSON.stringify(request), 'utf8'), headers, model);
  expect(err.status).toBe(400);
  return err.message;
}

/** The error for an input `x` of the given datatype (model dtype to match) carrying `data`. */
function elementError(datatype: string, dtype: ModelIo['inputs'][number]['dtype'], data: unknown[]): string {
  const model: ModelIo = { inputs: [{ name: 'x', dtype, shape: [-1] }], outputs: [] };
  return rejected({ inputs: [{ name: 'x', shape: [data.length], datatype, data }] }, {}, model);
}

describe('decodeInferRequest rejects', () => {
  it('bodies that are empty, not JSON or not an object', () => {
    expect(failure(Buffer.alloc(0))).toMatchObject({ status: 400, message: 'request body is empty' });
    expect(failure(Buffer.from('{"inputs": ['))).toMatchObject({ status: 400, message: expect.stringMatching(/^request body is not valid JSON: /) });
    expect(rejected([x, ids])).toBe('request body must be a JSON object, got an array');
    expect(rejected(null)).toBe('request body must be a JSON object, got null');
    expect(rejected('text')).toBe('request body must be a JSON object, got string');
  });

  it('content types that cannot hold the request, with 415', () => {
    const body = Buffer.from(JSON.stringify({ inputs: [x, ids] }));
    expect(failure(body, { contentType: 'text/html' })).toMatchObject({ status: 415, message: expect.stringContaining("unsupported content type 'text/html'") });
    expect(failure(body, { contentType: 'multipart/form-data; boundary=x' })).toMatchObject({ status: 415 });
    expect(() => decodeInferRequest(body, { contentType: 'Application/JSON; charset=utf-8' }, io)).not.toThrow();
  });

  it('requests without inputs, with unknown, repeated or missing inputs', () => {
    expect(rejected({})).toBe("'inputs' must be an array of tensors, got undefined");
    expect(rejected({ inputs: { x } })).toBe("'inputs' must be an array of tensors, got object");
    expect(rejected({ inputs: [x, ids, { ...x, name: 'z' }] })).toBe("unknown input 'z'; the model's inputs are 'x', 'ids'");
    expect(rejected({ inputs: [x, ids, x] })).toBe("input 'x' appears more than once");
    expect(rejected({ inputs: [x] })).toBe("missing input 'ids'; the model's inputs are 'x', 'ids'");
    expect(rejected({ inputs: [] })).toBe("missing input 'x', 'ids'; the model's inputs are 'x', 'ids'");
    expect(rejected({ inputs: [7] })).toBe('inputs[0] must be an object, got number');
    expect(rejected({ inputs: [{ shape: [1], datatype: 'FP32', data: [1] }] })).toBe('inputs[0] has no name');
  });

  it('a datatype that is unknown or not the model input\'s', () => {
    expect(rejected({ inputs: [{ ...x, datatype: 'FP64' }, ids] })).toBe("input 'x': datatype FP64 does not match the model's FP32");
    expect(rejected({ inputs: [{ ...x, datatype: 'fp32' }, ids] })).toBe("input 'x': unknown datatype 'fp32'");
    expect(rejected({ inputs: [{ ...x, datatype: undefined }, ids] })).toBe('input \'x\': datatype must be a string such as "FP32"');
  });

  it('shapes that are malformed, of the wrong rank or off a fixed dimension', () => {
    expect(rejected({ inputs: [{ ...x, shape: [1, -2] }, ids] })).toBe("input 'x': shape must be an array of non-negative integers, got [1,-2]");
    expect(rejected({ inputs: [{ ...x, shape: [1.5, 2] }, ids] })).toBe("input 'x': shape must be an array of non-negative integers, got [1.5,2]");
    expect(rejected({ inputs: [{ ...x, shape: undefined }, ids] })).toBe("input 'x': shape must be an array of non-negative integers, got nothing");
    expect(rejected({ inputs: [{ ...x, shape: [2] }, ids] })).toBe("input 'x': shape [2] has rank 1, the model expects rank 2 ([-1, 2])");
    expect(rejected({ inputs: [{ ...x, shape: [1, 3], data: [1, 2, 3] }, ids] })).toBe("input 'x': shape [1, 3] does not match the model's [-1, 2] at dimension 1 (3, expected 2)");
  });

  it('data whose length is not the product of the shape, or whose nesting does not match it', () => {
    expect(rejected({ inputs: [{ ...x, shape: [2, 2], data: [1, 2, 3] }, ids] })).toBe("input 'x': data has 3 elements, shape [2, 2] needs 4");
    expect(rejected({ inputs: [{ ...x, shape: [2, 2], data: [[1, 2], [3, 4, 5]] }, ids] })).toBe("input 'x': data does not match shape [2, 2]: data[1] has 3 elements, expected 2");
    expect(rejected({ inputs: [{ ...x, shape: [2, 2], data: [[1, 2]] }, ids] })).toBe("input 'x': data does not match shape [2, 2]: data has 1 elements, expected 2");
    expect(rejected({ inputs: [{ ...x, shape: [2, 2], data: [[1, 2], 3] }, ids] })).toBe("input 'x': data does not match shape [2, 2]: data[1] is 3, expected an array of 2");
    expect(rejected({ inputs: [{ ...x, data: 'AAAA' }, ids] })).toBe("input 'x': data must be an array");
    expect(rejected({ inputs: [{ ...x, data: undefined }, ids] })).toBe("input 'x' has neither data nor a binary_data_size parameter");
  });

  it('elements of the wrong kind for the datatype', () => {
    expect(elementError('FP32', 'float32', [1, 'a'])).toBe('input \'x\': element 1 ("a") is not a number, as FP32 requires');
    expect(elementError('FP64', 'float64', [null])).toBe("input 'x': element 0 (null) is not a number, as FP64 requires");
    expect(elementError('FP16', 'float16', [true])).toBe("input 'x': element 0 (true) is not a number, as FP16 requires");
    expect(elementError('INT32', 'int32', [1, 2.5])).toBe("input 'x': element 1 (2.5) is not an integer, as INT32 requires");
    expect(elementError('INT16', 'int16', ['3'])).toBe('input \'x\': element 0 ("3") is not an integer, as INT16 requires');
    expect(elementError('BOOL', 'bool', [true, 1])).toBe("input 'x': element 1 (1) is not true or false, as BOOL requires");
    expect(elementError('BOOL', 'bool', ['false'])).toBe('input \'x\': element 0 ("false") is not true or false, as BOOL requires');
    expect(elementError('BYTES', 'string', ['a', 5])).toBe("input 'x': element 1 (5) is not a string, as BYTES requires");
    expect(elementError('BYTES', 'string', ['a', 'b\u0000c'])).toBe('input \'x\': element 1 ("b\\u0000c") holds a NUL character (U+0000), which ONNX Runtime cuts a string at');
    expect(elementError('INT64', 'int64', ['12a'])).toBe('input \'x\': element 0 ("12a") is not an integer (a JSON number or a decimal string), as INT64 requires');
    expect(elementError('INT64', 'int64', [1.5])).toBe('input \'x\': element 0 (1.5) is not an integer, as INT64 requires');
  });

  it('integers out of the datatype\'s range', () => {
    expect(elementError('INT8', 'int8', [-129])).toBe("input 'x': element 0 (-129) is out of range for INT8 (-128 to 127)");
    expect(elementError('INT8', 'int8', [128])).toBe("input 'x': element 0 (128) is out of range for INT8 (-128 to 127)");
    expect(elementError('UINT8', 'uint8', [-1])).toBe("input 'x': element 0 (-1) is out of range for UINT8 (0 to 255)");
    expect(elementError('UINT16', 'uint16', [65536])).toBe("input 'x': element 0 (65536) is out of range for UINT16 (0 to 65535)");
    expect(elementError('INT32', 'int32', [2147483648])).toBe("input 'x': element 0 (2147483648) is out of range for INT32 (-2147483648 to 2147483647)");
    expect(elementError('UINT32', 'uint32', [4294967296])).toBe("input 'x': element 0 (4294967296) is out of range for UINT32 (0 to 4294967295)");
    expect(elementError('INT64', 'int64', ['9223372036854775808'])).toBe('input \'x\': element 0 ("9223372036854775808") is out of range for INT64');
    expect(elementError('UINT64', 'uint64', ['-1'])).toBe('input \'x\': element 0 ("-1") is out of range for UINT64');
    expect(elementError('UINT64', 'uint64', ['18446744073709551616'])).toBe('input \'x\': element 0 ("18446744073709551616") is out of range for UINT64');
  });

  it('INT64 numbers beyond 2^53, which JSON has already rounded', () => {
    // 9007199254740993 = 2^53 + 1 parses as 2^53: the value the client meant is lost, so it is refused.
    const err = failure(Buffer.from('{"inputs":[{"name":"x","shape":[1],"datatype":"INT64","data":[9007199254740993]}]}'), {}, { inputs: [{ name: 'x', dtype: 'int64', shape: [1] }], outputs: [] });
    expect(err).toMatchObject({ status: 400, message: "input 'x': element 0 (9007199254740992) is beyond 2^53 and was rounded as a JSON number; send it as a decimal string" });
  });

  it('floats beyond the datatype\'s range, and other non-finite spellings', () => {
    expect(elementError('FP32', 'float32', [1e39])).toBe("input 'x': element 0 (1e+39) is out of range for FP32");
    expect(elementError('FP32', 'float32', [-3.5e38])).toBe("input 'x': element 0 (-3.5e+38) is out of range for FP32");
    expect(elementError('FP16', 'float16', [65520])).toBe("input 'x': element 0 (65520) is out of range for FP16 (largest finite value 65504)");
    expect(elementError('FP32', 'float32', ['inf'])).toBe('input \'x\': element 0 ("inf") is not a number, as FP32 requires');
    // JSON.parse turns 1e400 into Infinity: an overflow, not a request for infinity.
    const err = failure(Buffer.from('{"inputs":[{"name":"x","shape":[1],"datatype":"FP64","data":[1e400]}]}'), {}, { inputs: [{ name: 'x', dtype: 'float64', shape: [1] }], outputs: [] });
    expect(err.message).toBe("input 'x': element 0 (Infinity) is out of range for FP64");
  });

  it('ids and parameters of the wrong type', () => {
    expect(rejected({ id: 5, inputs: [x, ids] })).toBe("'id' must be a string, got number");
    expect(rejected({ parameters: { binary_data_output: 'yes' }, inputs: [x, ids] })).toBe('request: parameter binary_data_output must be true or false, got "yes"');
    expect(rejected({ parameters: [], inputs: [x, ids] })).toBe('request: parameters must be an object, got an array');
  });

  it('unknown, repeated or malformed requested outputs', () => {
    expect(rejected({ inputs: [x, ids], outputs: [{ name: 'z' }] })).toBe("unknown output 'z'; the model's outputs are 'y'");
    expect(rejected({ inputs: [x, ids], outputs: [{ name: 'y' }, { name: 'y' }] })).toBe("output 'y' is requested more than once");
    expect(rejected({ inputs: [x, ids], outputs: { name: 'y' } })).toBe("'outputs' must be an array, got object");
    expect(rejected({ inputs: [x, ids], outputs: [{ name: 'y', parameters: { binary_data: 1 } }] })).toBe("output 'y': parameter binary_data must be true or false, got 1");
  });
});

describe('decodeInferRequest rejects binary requests', () => {
  const model: ModelIo = { inputs: [{ name: 'x', dtype: 'float32', shape: [2] }], outputs: [] };
  function binary(header: object, tail: Buffer, headerLength?: string): OipError {
    const text = Buffer.from(JSON.stringify(header));
    return failure(Buffer.concat([text, tail]), { contentType: 'application/octet-stream', inferenceHeaderContentLength: headerLength ?? String(text.length) }, model);
  }
  const input = (parameters: object): object => ({ inputs: [{ name: 'x', shape: [2], datatype: 'FP32', parameters }] });

  it('a binary_data_size that is not shape × element size', () => {
    expect(binary(input({ binary_data_size: 4 }), Buffer.alloc(4)).message).toBe("input 'x': binary_data_size is 4 bytes, shape [2] of FP32 needs 8");
    expect(binary(input({ binary_data_size: -8 }), Buffer.alloc(8)).message).toBe("input 'x': binary_data_size must be a non-negative integer, got -8");
  });

  it('sizes that run past the body, and bytes that no input accounts for', () => {
    expect(binary(input({ binary_data_size: 8 }), Buffer.alloc(6)).message).toBe("input 'x': binary_data_size is 8 bytes, only 6 bytes are left after the JSON header");
    expect(binary(input({ binary_data_size: 8 }), Buffer.alloc(10)).message).toBe(
      "the body has 2 bytes after the JSON header and the inputs' binary_data_size parameters that no input accounts for",
    );
  });

  it('an Inference-Header-Content-Length that is not a byte count or exceeds the body', () => {
    expect(binary(input({ binary_data_size: 8 }), Buffer.alloc(8), 'ten').message).toBe("Inference-Header-Content-Length 'ten' is not a byte count");
    expect(binary(input({ binary_data_size: 8 }), Buffer.alloc(8), '9999').message).toMatch(/^Inference-Header-Content-Length is 9999 but the body has only \d+ bytes$/);
    expect(binary(input({ binary_data_size: 8 }), Buffer.alloc(8), '0').message).toBe('request body is empty');
  });

  it('binary_data_size without the header, or together with data', () => {
    const body = Buffer.from(JSON.stringify(input({ binary_data_size: 8 })));
    expect(failure(body, {}, model).message).toBe("input 'x' has binary_data_size but the request has no Inference-Header-Content-Length header");
    const both = { inputs: [{ name: 'x', shape: [2], datatype: 'FP32', data: [1, 2], parameters: { binary_data_size: 8 } }] };
    expect(binary(both, Buffer.alloc(8)).message).toBe("input 'x' has both data and binary_data_size");
  });

  it('BOOL bytes other than 0 and 1, and BYTES elements that overrun their tensor', () => {
    const flags: ModelIo = { inputs: [{ name: 'f', dtype: 'bool', shape: [3] }], outputs: [] };
    const text = Buffer.from(JSON.stringify({ inputs: [{ name: 'f', shape: [3], datatype: 'BOOL', parameters: { binary_data_size: 3 } }] }));
    expect(failure(Buffer.concat([text, Buffer.from([1, 0, 2])]), { inferenceHeaderContentLength: String(text.length) }, flags).message).toBe("input 'f': element 2 is byte 2, BOOL takes 0 or 1");

    const words: ModelIo = { inputs: [{ name: 's', dtype: 'string', shape: [2] }], outputs: [] };
    const send = (bytes: Buffer): string => {
      const header = Buffer.from(JSON.stringify({ inputs: [{ name: 's', shape: [2], datatype: 'BYTES', parameters: { binary_data_size: bytes.length } }] }));
      return failure(Buffer.concat([header, bytes]), { inferenceHeaderContentLength: String(header.length) }, words).message;
    };
    expect(send(Buffer.from([2, 0, 0, 0, 0x61, 0x62, 9, 0, 0, 0, 0x63]))).toBe("input 's': BYTES element 1 declares 9 bytes, only 1 remain");
    expect(send(Buffer.from([1, 0, 0, 0, 0x61, 1, 0, 0]))).toBe("input 's': binary data ends before BYTES element 1 of 2");
    expect(send(Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0x7a]))).toBe("input 's': binary_data_size is 9 bytes, its 2 BYTES elements take 8");
    expect(send(Buffer.from([0, 0, 0, 0]))).toBe("input 's': binary_data_size is 4 bytes, too small for 2 BYTES elements");
    expect(send(Buffer.from([1, 0, 0, 0, 0x61, 2, 0, 0, 0, 0x62, 0]))).toBe("input 's': BYTES element 1 holds a NUL byte, which ONNX Runtime cuts a string at");
    expect(send(Buffer.from([1, 0, 0, 0, 0xff, 1, 0, 0, 0, 0x62]))).toBe("input 's': BYTES element 0 is not valid UTF-8 (ONNX Runtime string tensors hold text)");
  });
});
