import { onnx } from 'onnx-proto';

/** A small valid ONNX model, y = x·W + b over `features` float inputs with a dynamic batch axis. */
export function linearOnnx(features = 4): Buffer {
  const w = new Float32Array(features).map((_, i) => (i + 1) / 10);
  const vi = (name: string, dims: Array<number | string>): onnx.IValueInfoProto => ({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } });
  const graph: onnx.IGraphProto = {
    name: 'linear',
    node: [
      { opType: 'MatMul', input: ['x', 'W'], output: ['xw'] },
      { opType: 'Add', input: ['xw', 'b'], output: ['y'] },
    ],
    initializer: [
      { name: 'W', dataType: 1, dims: [features, 1], rawData: new Uint8Array(w.buffer) },
      { name: 'b', dataType: 1, dims: [1], floatData: [0.5] },
    ],
    input: [vi('x', ['batch', features])],
    output: [vi('y', ['batch', 1])],
  };
  return Buffer.from(onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'shipyard-e2e', graph }).finish());
}
