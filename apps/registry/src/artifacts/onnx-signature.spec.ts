import { Readable } from 'node:stream';
import { onnx } from 'onnx-proto';
import { InvalidOnnxModel, readOnnxSignature } from './onnx-signature';

const FLOAT = 1;
const INT64 = 7;

function valueInfo(name: string, elemType: number, dims: Array<number | string>): onnx.IValueInfoProto {
  return { name, type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } } };
}

/** A linear model y = x·W + b whose weights are initializers; old-style exporters also list W as an input. */
function linearModel(features: number, weightsAsInput = false): Buffer {
  const w = new Float32Array(features).fill(0.5);
  const graph: onnx.IGraphProto = {
    name: 'linear',
    node: [
      { opType: 'MatMul', input: ['x', 'W'], output: ['xw'] },
      { opType: 'Add', input: ['xw', 'b'], output: ['y'] },
    ],
    initializer: [
      { name: 'W', dataType: FLOAT, dims: [features, 1], rawData: new Uint8Array(w.buffer) },
      { name: 'b', dataType: FLOAT, dims: [1], floatData: [0.25] },
    ],
    input: [valueInfo('x', FLOAT, ['batch', features]), ...(weightsAsInput ? [valueInfo('W', FLOAT, [features, 1])] : []), valueInfo('ids', INT64, ['batch'])],
    output: [valueInfo('y', FLOAT, ['batch', 1])],
  };
  return Buffer.from(onnx.ModelProto.encode({ irVersion: 8, opsetImport: [{ domain: '', version: 17 }], producerName: 'test', graph }).finish());
}

function chunks(buf: Buffer, size: number): AsyncIterable<Buffer> {
  const parts: Buffer[] = [];
  for (let i = 0; i < buf.length; i += size) parts.push(buf.subarray(i, i + size));
  return Readable.from(parts);
}

describe('readOnnxSignature', () => {
  it('reads input and output names, element types and shapes (symbolic dims are -1)', async () => {
    const sig = await readOnnxSignature(chunks(linearModel(16), 1 << 16));
    expect(sig).toEqual({
      inputs: [
        { name: 'x', dtype: 'float32', shape: [-1, 16] },
        { name: 'ids', dtype: 'int64', shape: [-1] },
      ],
      outputs: [{ name: 'y', dtype: 'float32', shape: [-1, 1] }],
    });
  });

  it('gives the same answer when the bytes arrive one at a time', async () => {
    const model = linearModel(64);
    expect(await readOnnxSignature(chunks(model, 1))).toEqual(await readOnnxSignature(chunks(model, model.length)));
  });

  it('leaves out inputs that are initializers (weights listed as inputs by old exporters)', async () => {
    const sig = await readOnnxSignature(chunks(linearModel(8, true), 7));
    expect(sig.inputs.map((i) => i.name)).toEqual(['x', 'ids']);
  });

  it('skips large weights without holding them: a 32 MiB initializer streams through', async () => {
    const big = linearModel(8 * 1024 * 1024);
    expect(big.length).toBeGreaterThan(32 * 1024 * 1024);
    const sig = await readOnnxSignature(chunks(big, 1 << 16));
    expect(sig.inputs[0]).toEqual({ name: 'x', dtype: 'float32', shape: [-1, 8 * 1024 * 1024] });
  });

  it.each([
    ['random bytes', Buffer.from('this is not a model at all, just text')],
    ['an empty file', Buffer.alloc(0)],
    ['a truncated model', linearModel(16).subarray(0, 40)],
    ['a protobuf without a graph', Buffer.from(onnx.ModelProto.encode({ irVersion: 8, producerName: 'x' }).finish())],
  ])('rejects %s and still consumes the whole stream', async (_label, bytes) => {
    const source = Readable.from(bytes.length ? [bytes.subarray(0, 10), bytes.subarray(10)] : []);
    await expect(readOnnxSignature(source)).rejects.toBeInstanceOf(InvalidOnnxModel);
    expect(source.readableEnded || bytes.length === 0).toBe(true);
  });
});
