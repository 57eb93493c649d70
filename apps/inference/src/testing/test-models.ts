import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { onnx } from 'onnx-proto';
import { ElemName, encodeModel, floatInitializer, int64Initializer, intAttr, node, seededUniform, stringAttr, valueInfo } from './onnx-builder';

/**
 * ONNX models the tests and the benchmark build themselves (CONVENTIONS §8), with seeded weights so the
 * expected outputs can be computed in JS.
 */
export interface TestModel {
  bytes: Uint8Array;
}

export const LOGISTIC_FEATURES = 16;

/** Logistic regression: `features` FP32 [N,16] → `probability` FP32 [N,1] = sigmoid(x·W + b). */
export function logisticModel(seed = 1): TestModel & { weights: Float32Array; bias: number; predict(rows: ArrayLike<number>, n: number): Float64Array } {
  const weights = seededUniform(seed, LOGISTIC_FEATURES, 0.5);
  const biasArr = seededUniform(seed + 1000, 1, 0.5);
  const bias = biasArr[0] ?? 0;
  const bytes = encodeModel({
    name: 'logistic',
    input: [valueInfo('features', 'float32', ['N', LOGISTIC_FEATURES])],
    output: [valueInfo('probability', 'float32', ['N', 1])],
    initializer: [floatInitializer('W', [LOGISTIC_FEATURES, 1], weights), floatInitializer('b', [1], biasArr)],
    node: [node('MatMul', ['features', 'W'], ['logit0']), node('Add', ['logit0', 'b'], ['logit']), node('Sigmoid', ['logit'], ['probability'])],
  });
  const predict = (rows: ArrayLike<number>, n: number) => {
    const out = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let z = bias;
      for (let f = 0; f < LOGISTIC_FEATURES; f++) z += (rows[r * LOGISTIC_FEATURES + f] ?? 0) * (weights[f] ?? 0);
      out[r] = 1 / (1 + Math.exp(-z));
    }
    return out;
  };
  return { bytes, weights, bias, predict };
}

export const MLP_LAYERS = [64, 256, 256, 10] as const;

/** MLP 64 → 256 → 256 → 10 (Relu, Softmax): `input` FP32 [N,64] → `probabilities` FP32 [N,10]. */
export function mlpModel(seed = 7): TestModel & { predict(rows: ArrayLike<number>, n: number): Float64Array } {
  const layers: Array<{ w: Float32Array; b: Float32Array; inDim: number; outDim: number }> = [];
  for (let i = 0; i + 1 < MLP_LAYERS.length; i++) {
    const inDim = MLP_LAYERS[i] ?? 0;
    const outDim = MLP_LAYERS[i + 1] ?? 0;
    layers.push({ w: seededUniform(seed + i, inDim * outDim, 1 / Math.sqrt(inDim)), b: seededUniform(seed + 100 + i, outDim, 0.1), inDim, outDim });
  }
  const nodes: onnx.INodeProto[] = [];
  let x = 'input';
  layers.forEach((_, i) => {
    nodes.push(node('MatMul', [x, `W${i}`], [`mm${i}`]), node('Add', [`mm${i}`, `b${i}`], [`z${i}`]));
    x = `z${i}`;
    if (i + 1 < layers.length) {
      nodes.push(node('Relu', [x], [`h${i}`]));
      x = `h${i}`;
    }
  });
  nodes.push(node('Softmax', [x], ['probabilities'], [intAttr('axis', -1)]));
  const bytes = encodeModel({
    name: 'mlp',
    input: [valueInfo('input', 'float32', ['N', MLP_LAYERS[0]])],
    output: [valueInfo('probabilities', 'float32', ['N', MLP_LAYERS[3]])],
    initializer: layers.flatMap((l, i) => [floatInitializer(`W${i}`, [l.inDim, l.outDim], l.w), floatInitializer(`b${i}`, [l.outDim], l.b)]),
    node: nodes,
  });
  const predict = (rows: ArrayLike<number>, n: number) => {
    const outDim = MLP_LAYERS[3];
    const out = new Float64Array(n * outDim);
    for (let r = 0; r < n; r++) {
      let v = Float64Array.from({ length: MLP_LAYERS[0] }, (_, f) => rows[r * MLP_LAYERS[0] + f] ?? 0);
      layers.forEach((l, i) => {
        const next = new Float64Array(l.outDim);
        for (let o = 0; o < l.outDim; o++) {
          let s = l.b[o] ?? 0;
          for (let k = 0; k < l.inDim; k++) s += (v[k] ?? 0) * (l.w[k * l.outDim + o] ?? 0);
          next[o] = i + 1 < layers.length ? Math.max(0, s) : s;
        }
        v = next;
      });
      const max = Math.max(...v);
      const exp = v.map((z) => Math.exp(z - max));
      const sum = exp.reduce((a, b) => a + b, 0);
      exp.forEach((e, o) => (out[r * outDim + o] = e / sum));
    }
    return out;
  };
  return { bytes, predict };
}

/**
 * A deliberately slow model for the worker-isolation test: `input` FP32 [N,64] is broadcast to
 * [replicas,N,64] and pushed through `depth` shared 1024×1024 layers, so one row costs
 * about replicas × depth × 1M multiply-adds (≈ 10 G for the defaults: 250–300 ms on one core here) while the file stays ~4 MB.
 */
export function bigModel(opts: { replicas?: number; hidden?: number; depth?: number } = {}): TestModel {
  const replicas = opts.replicas ?? 1024;
  const hidden = opts.hidden ?? 1024;
  const depth = opts.depth ?? 10;
  const nodes: onnx.INodeProto[] = [node('Expand', ['input', 'expand_shape'], ['wide']), node('MatMul', ['wide', 'W_in'], ['h_in0']), node('Relu', ['h_in0'], ['h0'])];
  for (let i = 0; i < depth; i++) nodes.push(node('MatMul', [`h${i}`, 'W_h'], [`m${i + 1}`]), node('Relu', [`m${i + 1}`], [`h${i + 1}`]));
  nodes.push(node('ReduceMean', [`h${depth}`], ['pooled'], [{ name: 'axes', type: onnx.AttributeProto.AttributeType.INTS, ints: [0] }, intAttr('keepdims', 0)]));
  nodes.push(node('MatMul', ['pooled', 'W_out'], ['scores']));
  const bytes = encodeModel({
    name: 'big',
    input: [valueInfo('input', 'float32', ['N', 64])],
    output: [valueInfo('scores', 'float32', ['N', 4])],
    initializer: [
      int64Initializer('expand_shape', [replicas, 1, 1]),
      floatInitializer('W_in', [64, hidden], seededUniform(11, 64 * hidden, 1 / 8)),
      floatInitializer('W_h', [hidden, hidden], seededUniform(12, hidden * hidden, Math.sqrt(6 / hidden))),
      floatInitializer('W_out', [hidden, 4], seededUniform(13, hidden * 4, 1 / Math.sqrt(hidden))),
    ],
    node: nodes,
  });
  return { bytes };
}

/** Every numeric/bool datatype OIP names, with ONNX's name for it. */
export const DTYPE_MODEL_TYPES: readonly ElemName[] = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64'];

/**
 * One input per datatype, `in_<dtype>` [N,3]; outputs `out_<dtype>` (Identity: same type back) and
 * `f64_<dtype>` (Cast to FP64), so a test can check both directions of every datatype.
 */
export function dtypesModel(): TestModel {
  const bytes = encodeModel({
    name: 'dtypes',
    input: DTYPE_MODEL_TYPES.map((t) => valueInfo(`in_${t}`, t, ['N', 3])),
    output: DTYPE_MODEL_TYPES.flatMap((t) => [valueInfo(`out_${t}`, t, ['N', 3]), valueInfo(`f64_${t}`, 'float64', ['N', 3])]),
    initializer: [],
    node: DTYPE_MODEL_TYPES.flatMap((t) => [node('Identity', [`in_${t}`], [`out_${t}`]), node('Cast', [`in_${t}`], [`f64_${t}`], [intAttr('to', onnx.TensorProto.DataType.DOUBLE)])]),
  });
  return { bytes };
}

/** BYTES: `text` STRING [N] → `upper` (StringNormalizer, ASCII upper case: the C locale, the only one ORT finds without installed locales) and `echo` (Identity). */
export function stringModel(): TestModel {
  const bytes = encodeModel({
    name: 'strings',
    input: [valueInfo('text', 'string', ['N'])],
    output: [valueInfo('upper', 'string', ['N']), valueInfo('echo', 'string', ['N'])],
    initializer: [],
    node: [node('StringNormalizer', ['text'], ['upper'], [stringAttr('case_change_action', 'UPPER'), stringAttr('locale', 'C')]), node('Identity', ['text'], ['echo'])],
  });
  return { bytes };
}

export const EMBEDDING_ROWS = 8;
export const EMBEDDING_WIDTH = 4;

/**
 * An embedding lookup: `ids` INT64 [N,1] → `vectors` FP32 [N,1,4] (Gather over an 8×4 table). ONNX Runtime
 * refuses a run holding an id outside 0…7 (or -8…-1): whether a run is valid depends on the values.
 */
export function embeddingModel(seed = 11): TestModel & { table: Float32Array } {
  const table = seededUniform(seed, EMBEDDING_ROWS * EMBEDDING_WIDTH, 1);
  const bytes = encodeModel({
    name: 'embedding',
    input: [valueInfo('ids', 'int64', ['N', 1])],
    output: [valueInfo('vectors', 'float32', ['N', 1, EMBEDDING_WIDTH])],
    initializer: [floatInitializer('table', [EMBEDDING_ROWS, EMBEDDING_WIDTH], table)],
    node: [node('Gather', ['table', 'ids'], ['vectors'], [intAttr('axis', 0)])],
  });
  return { bytes, table };
}

export const TEST_MODELS = { logistic: logisticModel, mlp: mlpModel, big: bigModel, dtypes: dtypesModel, strings: stringModel, embedding: embeddingModel } as const;
export type TestModelName = keyof typeof TEST_MODELS;

/** Writes `<dir>/<name>.onnx` and returns its path. */
export function writeTestModel(dir: string, name: TestModelName): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${name}.onnx`);
  writeFileSync(path, TEST_MODELS[name]().bytes);
  return path;
}

/** Row-major inputs with seeded values in [-1, 1). */
export function sampleRows(n: number, width: number, seed = 42): Float32Array {
  return seededUniform(seed, n * width, 1);
}
