import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelIo } from '../runtime/tensor';
import { dtypeOf, oipDatatype } from './datatypes';
import { modelMetadata, serverMetadata } from './metadata';

const io: ModelIo = {
  inputs: [{ name: 'input', dtype: 'float32', shape: [-1, 4] }],
  outputs: [{ name: 'label', dtype: 'int64', shape: [-1] }, { name: 'flags', dtype: 'bool', shape: [-1, 3] }],
};

describe('modelMetadata', () => {
  it('describes the model as OIP does: name, versions, platform and each tensor\'s name, datatype and shape', () => {
    expect(modelMetadata('iris', ['1', '2'], io)).toEqual({
      name: 'iris',
      versions: ['1', '2'],
      platform: 'onnxruntime_onnx',
      inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 4] }],
      outputs: [{ name: 'label', datatype: 'INT64', shape: [-1] }, { name: 'flags', datatype: 'BOOL', shape: [-1, 3] }],
    });
    expect(modelMetadata('iris', ['1'], io, 'custom_platform').platform).toBe('custom_platform');
  });

  it('copies the shapes, so that changing the document does not change the model io', () => {
    const metadata = modelMetadata('iris', ['1'], io);
    metadata.inputs[0]?.shape.push(9);
    expect(io.inputs[0]?.shape).toEqual([-1, 4]);
  });
});

describe('serverMetadata', () => {
  it('names the server shipyard, with the root package.json version and the binary tensor data extension', () => {
    const root = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'package.json'), 'utf8')) as { version: string };
    expect(serverMetadata()).toEqual({ name: 'shipyard', version: root.version, extensions: ['binary_tensor_data'] });
  });
});

describe('datatypes', () => {
  it('maps every host dtype to its OIP datatype and back', () => {
    const pairs = [
      ['bool', 'BOOL'], ['int8', 'INT8'], ['int16', 'INT16'], ['int32', 'INT32'], ['int64', 'INT64'],
      ['uint8', 'UINT8'], ['uint16', 'UINT16'], ['uint32', 'UINT32'], ['uint64', 'UINT64'],
      ['float16', 'FP16'], ['float32', 'FP32'], ['float64', 'FP64'], ['string', 'BYTES'],
    ] as const;
    for (const [dtype, datatype] of pairs) {
      expect(oipDatatype(dtype)).toBe(datatype);
      expect(dtypeOf(datatype)).toBe(dtype);
    }
  });

  it('knows no other names; they are case-sensitive', () => {
    expect(dtypeOf('fp32')).toBeNull();
    expect(dtypeOf('FLOAT')).toBeNull();
    expect(dtypeOf('toString')).toBeNull();
    expect(dtypeOf('__proto__')).toBeNull();
  });
});
