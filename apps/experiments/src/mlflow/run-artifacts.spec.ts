import { MlflowInvalidParameter } from '@shipyard/service-kit';
import { artifactKey } from './run-artifacts';

/** artifactKey receives the path percent-decoded once (fastify's `*` parameter). */
describe('artifactKey', () => {
  it.each([
    ['experiments/1/r/artifacts/a%b.txt', 'experiments/1/r/artifacts/a%b.txt'],
    ['experiments/1/r/artifacts/100%', 'experiments/1/r/artifacts/100%'],
    ['experiments/1/r/artifacts/%41%zz%', 'experiments/1/r/artifacts/%41%zz%'],
    ['/experiments/1/r/artifacts/dir/', 'experiments/1/r/artifacts/dir'],
    ['experiments/1/r/artifacts/..hidden', 'experiments/1/r/artifacts/..hidden'],
  ])('keeps %s as the key %s', (path, key) => {
    expect(artifactKey(path)).toBe(key);
  });

  it.each([
    'experiments/../registry/m.onnx',
    'experiments/1/./m.onnx',
    'experiments//m.onnx',
    'experiments/1\\..\\m.onnx',
    'experiments/1/m\0.onnx',
    'experiments/%2e%2e/registry/m.onnx',
    'experiments/%2E./registry/m.onnx',
    'experiments/%252e%252e/registry/m.onnx',
    'experiments/x%2f..%2fregistry/m.onnx',
    'experiments/x%5c..%5cm.onnx',
    'experiments/m%00.onnx',
    'registry/models/m/model.onnx',
  ])('refuses %s', (path) => {
    expect(() => artifactKey(path)).toThrow(MlflowInvalidParameter);
  });

  it('takes the root for listing only', () => {
    expect(artifactKey('', true)).toBe('');
    expect(() => artifactKey('')).toThrow(MlflowInvalidParameter);
  });
});
