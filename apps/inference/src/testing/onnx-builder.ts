import { onnx } from 'onnx-proto';

/** ONNX element types by the names the runtime uses (tensor.ts DType). */
export const ELEM = {
  float32: onnx.TensorProto.DataType.FLOAT,
  float64: onnx.TensorProto.DataType.DOUBLE,
  int8: onnx.TensorProto.DataType.INT8,
  int16: onnx.TensorProto.DataType.INT16,
  int32: onnx.TensorProto.DataType.INT32,
  int64: onnx.TensorProto.DataType.INT64,
  uint8: onnx.TensorProto.DataType.UINT8,
  uint16: onnx.TensorProto.DataType.UINT16,
  uint32: onnx.TensorProto.DataType.UINT32,
  uint64: onnx.TensorProto.DataType.UINT64,
  bool: onnx.TensorProto.DataType.BOOL,
  string: onnx.TensorProto.DataType.STRING,
} as const;
export type ElemName = keyof typeof ELEM;

/** Deterministic weights: mulberry32, uniform in [-scale, scale). */
export function seededUniform(seed: number, n: number, scale: number): Float32Array {
  let a = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    const u = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    out[i] = (u * 2 - 1) * scale;
  }
  return out;
}

/** A graph input or output; a string dimension is dynamic (e.g. 'N' for the batch axis). */
export function valueInfo(name: string, elem: ElemName, dims: Array<number | string>): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType: ELEM[elem], shape: { dim: dims.map((d) => (typeof d === 'string' ? { dimParam: d } : { dimValue: d })) } } },
  };
}

export function floatInitializer(name: string, dims: number[], data: Float32Array): onnx.ITensorProto {
  return { name, dims, dataType: ELEM.float32, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) };
}

export function int64Initializer(name: string, values: number[]): onnx.ITensorProto {
  const data = BigInt64Array.from(values.map((v) => BigInt(v)));
  return { name, dims: [values.length], dataType: ELEM.int64, rawData: new Uint8Array(data.buffer) };
}

export function node(opType: string, input: string[], output: string[], attribute: onnx.IAttributeProto[] = [], domain = ''): onnx.INodeProto {
  return { opType, input, output, attribute, domain, name: `${opType}_${output[0] ?? ''}` };
}

export const intAttr = (name: string, i: number): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.INT, i });
export const stringAttr = (name: string, s: string): onnx.IAttributeProto => ({ name, type: onnx.AttributeProto.AttributeType.STRING, s: new TextEncoder().encode(s) });

/** Serialises a single-graph model (IR 8, default opset 17). */
export function encodeModel(graph: onnx.IGraphProto, opset = 17): Uint8Array {
  const model = onnx.ModelProto.create({ irVersion: 8, producerName: 'shipyard-tests', opsetImport: [{ domain: '', version: opset }], graph });
  return onnx.ModelProto.encode(model).finish();
}
