import type { ModelIo, NamedTensors } from '../runtime/tensor';
import { OipError } from './oip-error';
import { decodePredictRequest, encodePredictResponse } from './predict';

const json = (body: unknown): Buffer => Buffer.from(JSON.stringify(body), 'utf8');
const rowsModel: ModelIo = { inputs: [{ name: 'features', dtype: 'float32', shape: [-1, 3] }], outputs: [{ name: 'score', dtype: 'float32', shape: [-1] }] };
const columnsModel: ModelIo = {
  inputs: [
    { name: 'age', dtype: 'int64', shape: [-1, 1] },
    { name: 'income', dtype: 'float32', shape: [-1, 1] },
  ],
  outputs: [{ name: 'label', dtype: 'int64', shape: [-1] }],
};

function rejected(body: Buffer, io: ModelIo): string {
  try {
    decodePredictRequest(body, io);
  } catch (err) {
    if (!(err instanceof OipError)) throw err;
    expect(err.status).toBe(400);
    return err.message;
  }
  throw new Error('the request was accepted');
}

describe('decodePredictRequest', () => {
  it('reads {"inputs": rows} as the single input, one row per entry', () => {
    expect(decodePredictRequest(json({ inputs: [[1, 2, 3], [4, 5, 6.5]] }), rowsModel)).toEqual({
      features: { dtype: 'float32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6.5) },
    });
  });

  it('reads {"inputs": {"name": rows}} for several inputs, values one rank short of a [-1, 1] input as a column', () => {
    const io: ModelIo = { inputs: [{ name: 'image', dtype: 'uint8', shape: [-1, 2, 2] }, { name: 'age', dtype: 'int64', shape: [-1, 1] }], outputs: [] };
    expect(decodePredictRequest(json({ inputs: { image: [[[1, 2], [3, 4]]], age: ['9007199254740993'] } }), io)).toEqual({
      image: { dtype: 'uint8', shape: [1, 2, 2], data: Uint8Array.of(1, 2, 3, 4) },
      age: { dtype: 'int64', shape: [1, 1], data: BigInt64Array.of(9007199254740993n) },
    });
  });

  it('reads {"instances": [row, …]} for a single-input model, scalars as rows of a 1-D input', () => {
    expect(decodePredictRequest(json({ instances: [[1, 2, 3]] }), rowsModel)).toEqual({ features: { dtype: 'float32', shape: [1, 3], data: Float32Array.of(1, 2, 3) } });
    const flags: ModelIo = { inputs: [{ name: 'on', dtype: 'bool', shape: [-1] }], outputs: [] };
    expect(decodePredictRequest(json({ instances: [true, false, true] }), flags)).toEqual({ on: { dtype: 'bool', shape: [3], data: Uint8Array.of(1, 0, 1) } });
  });

  it('reads {"instances": [{input: value, …}, …]} keyed by the model\'s input names, one row per instance', () => {
    expect(decodePredictRequest(json({ instances: [{ age: 41, income: 5.5 }, { income: 0.25, age: 19 }] }), columnsModel)).toEqual({
      age: { dtype: 'int64', shape: [2, 1], data: BigInt64Array.of(41n, 19n) },
      income: { dtype: 'float32', shape: [2, 1], data: Float32Array.of(5.5, 0.25) },
    });
    // Object instances work for one input too, its value being that input's row.
    expect(decodePredictRequest(json({ instances: [{ features: [1, 2, 3] }] }), rowsModel)).toEqual({ features: { dtype: 'float32', shape: [1, 3], data: Float32Array.of(1, 2, 3) } });
  });

  it('rejects bodies that are empty, not JSON, or carry neither or both forms', () => {
    expect(rejected(Buffer.alloc(0), rowsModel)).toBe('request body is empty');
    expect(rejected(Buffer.from('[[1,2,3]]'), rowsModel)).toBe('request body must be a JSON object, got an array');
    expect(rejected(Buffer.from('{inputs:'), rowsModel)).toMatch(/^request body is not valid JSON: /);
    expect(rejected(json({ rows: [[1, 2, 3]] }), rowsModel)).toBe("the request needs 'inputs' or 'instances'");
    expect(rejected(json({ inputs: [[1, 2, 3]], instances: [[1, 2, 3]] }), rowsModel)).toBe("give either 'inputs' or 'instances', not both");
  });

  it('refuses content types that cannot hold JSON with 415, as the OIP route does, and takes what curl -d sends', () => {
    const body = json({ inputs: [[1, 2, 3]] });
    for (const contentType of ['application/xml', 'text/html', 'multipart/form-data; boundary=x']) {
      let refused: unknown = null;
      try {
        decodePredictRequest(body, rowsModel, contentType);
      } catch (err) {
        refused = err;
      }
      expect(refused).toBeInstanceOf(OipError);
      expect(refused).toMatchObject({ status: 415, message: expect.stringContaining('unsupported content type') });
    }
    for (const contentType of [undefined, 'application/json', 'application/json; charset=utf-8', 'application/x-www-form-urlencoded', 'text/plain']) {
      expect(decodePredictRequest(body, rowsModel, contentType)).toEqual({ features: { dtype: 'float32', shape: [1, 3], data: Float32Array.of(1, 2, 3) } });
    }
  });

  it('rejects rows for a model with several inputs, and unknown or missing inputs', () => {
    expect(rejected(json({ inputs: [[41, 5.5]] }), columnsModel)).toBe("'inputs' given as rows needs a model with one input; this model has 'age', 'income': key the rows by input name");
    expect(rejected(json({ instances: [[41, 5.5]] }), columnsModel)).toBe("'instances' given as rows needs a model with one input; this model has 'age', 'income': key the rows by input name");
    expect(rejected(json({ inputs: { age: [1], height: [2] } }), columnsModel)).toBe("unknown input 'height'; the model's inputs are 'age', 'income'");
    expect(rejected(json({ inputs: { age: [1] } }), columnsModel)).toBe("missing input 'income'; the model's inputs are 'age', 'income'");
    expect(rejected(json({ instances: [{ age: 1, income: 2 }, { age: 1 }] }), columnsModel)).toBe("instance 1: missing input 'income'; the model's inputs are 'age', 'income'");
    expect(rejected(json({ instances: [{ age: 1, income: 2, zip: 3 }] }), columnsModel)).toBe("instance 0: unknown input 'zip'; the model's inputs are 'age', 'income'");
  });

  it('rejects ragged rows, rows of the wrong rank or width, and values of the wrong type', () => {
    expect(rejected(json({ inputs: [[1, 2, 3], [4, 5]] }), rowsModel)).toBe("input 'features': data does not match shape [2, 3]: inputs[1] has 2 elements, expected 3");
    expect(rejected(json({ inputs: [[1, 2], [4, 5]] }), rowsModel)).toBe("input 'features': shape [2, 2] does not match the model's [-1, 3] at dimension 1 (2, expected 3)");
    expect(rejected(json({ inputs: [[[1, 2, 3]]] }), rowsModel)).toBe("input 'features': shape [1, 1, 3] has rank 3, the model expects rank 2 ([-1, 3])");
    expect(rejected(json({ inputs: [[1, 'x', 3]] }), rowsModel)).toBe('input \'features\': element 1 ("x") is not a number, as FP32 requires');
    expect(rejected(json({ instances: [{ age: 1.5, income: 2 }] }), columnsModel)).toBe("input 'age': element 0 (1.5) is not an integer, as INT64 requires");
    expect(rejected(json({ inputs: 'rows' }), rowsModel)).toBe("input 'features': inputs must be an array of rows, got string");
    expect(rejected(json({ inputs: [] }), rowsModel)).toBe("input 'features': inputs has no rows");
  });

  it('rejects instances that are empty, not an array, or mix rows and objects', () => {
    expect(rejected(json({ instances: [] }), rowsModel)).toBe("'instances' is empty");
    expect(rejected(json({ instances: { features: [1, 2, 3] } }), rowsModel)).toBe("'instances' must be an array, got object");
    expect(rejected(json({ instances: [[1, 2, 3], { features: [1, 2, 3] }] }), rowsModel)).toBe('instances must be all rows or all objects keyed by input name; instance 0 is a row, instance 1 is not');
  });
});

describe('encodePredictResponse', () => {
  const text = (outputs: NamedTensors, io: ModelIo = { inputs: [], outputs: [] }): string => encodePredictResponse(outputs, io).toString('utf8');

  it('gives one prediction per row of a single output: the row, or a bare value when the row has one element', () => {
    expect(text({ score: { dtype: 'float32', shape: [3], data: Float32Array.of(0.1, 0.5, 1) } })).toBe('{"predictions":[0.1,0.5,1]}');
    expect(text({ score: { dtype: 'float32', shape: [2, 1], data: Float32Array.of(0.1, 0.2) } })).toBe('{"predictions":[0.1,0.2]}');
    expect(text({ probs: { dtype: 'float32', shape: [2, 3], data: Float32Array.of(0.1, 0.2, 0.7, 1, 0, 0) } })).toBe('{"predictions":[[0.1,0.2,0.7],[1,0,0]]}');
    expect(text({ maps: { dtype: 'int32', shape: [1, 2, 2], data: Int32Array.of(1, 2, 3, 4) } })).toBe('{"predictions":[[[1,2],[3,4]]]}');
    expect(text({ words: { dtype: 'string', shape: [2], data: ['cat', 'd"og'] } })).toBe('{"predictions":["cat","d\\"og"]}');
    expect(text({ total: { dtype: 'float64', shape: [], data: Float64Array.of(2.5) } })).toBe('{"predictions":2.5}');
    expect(text({ score: { dtype: 'float32', shape: [0], data: new Float32Array(0) } })).toBe('{"predictions":[]}');
  });

  it('gives one object per row keyed by output name for several outputs, in the model\'s output order', () => {
    const io: ModelIo = { inputs: [], outputs: [{ name: 'label', dtype: 'int64', shape: [-1] }, { name: 'probabilities', dtype: 'float32', shape: [-1, 2] }] };
    const outputs: NamedTensors = {
      probabilities: { dtype: 'float32', shape: [2, 2], data: Float32Array.of(0.1, 0.9, 0.8, 0.2) },
      label: { dtype: 'int64', shape: [2], data: BigInt64Array.of(9007199254740993n, 0n) },
    };
    expect(text(outputs, io)).toBe('{"predictions":[{"label":9007199254740993,"probabilities":[0.1,0.9]},{"label":0,"probabilities":[0.8,0.2]}]}');
  });

  it('prints booleans, half floats and non-finite floats as JSON values', () => {
    expect(JSON.parse(text({ on: { dtype: 'bool', shape: [2], data: Uint8Array.of(1, 0) } }))).toEqual({ predictions: [true, false] });
    expect(JSON.parse(text({ h: { dtype: 'float16', shape: [1, 2], data: Uint16Array.of(0x3c00, 0x2e66) } }))).toEqual({ predictions: [[1, 0.1]] });
    expect(JSON.parse(text({ f: { dtype: 'float64', shape: [2], data: Float64Array.of(NaN, -Infinity) } }))).toEqual({ predictions: ['NaN', '-Infinity'] });
  });

  it('refuses outputs that do not share the batch dimension (a runtime fault, not a client error)', () => {
    const outputs: NamedTensors = { a: { dtype: 'int32', shape: [2], data: Int32Array.of(1, 2) }, b: { dtype: 'int32', shape: [3], data: Int32Array.of(1, 2, 3) } };
    expect(() => encodePredictResponse(outputs, { inputs: [], outputs: [] })).toThrow("output 'b' has shape [3], not 2 rows like 'a'");
    expect(() => encodePredictResponse(outputs, { inputs: [], outputs: [] })).not.toThrow(OipError);
  });
});
