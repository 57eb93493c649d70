import { inferenceMetrics } from '../models/inference-metrics';
import type { ModelManager } from '../models/model-manager';
import { ServedModel } from '../models/served-model';
import { DynamicBatcher } from '../runtime/batcher';
import { InferenceRunError, WorkerFailedError } from '../runtime/errors';
import type { ModelIo } from '../runtime/tensor';
import type { InferenceEngine } from '../runtime/worker-pool';
import { DataPlane } from './inference.routes';

const io: ModelIo = { inputs: [{ name: 'features', dtype: 'float32', shape: [-1, 2] }], outputs: [{ name: 'probability', dtype: 'float32', shape: [-1, 1] }] };

/** A data plane serving model `m` from an engine whose every run fails with `error`. */
function planeFailingWith(error: Error): DataPlane {
  const engine = { io, workerCount: 1, capacity: 1 } as unknown as InferenceEngine;
  const batcher = new DynamicBatcher({ capacity: 1, runTimed: () => Promise.reject(error) }, { enabled: false, maxBatchSize: 1, maxQueueDelayUs: 0 });
  const served = new ServedModel('m', 1, 'f'.repeat(64), engine, batcher, false, inferenceMetrics());
  const models = { serving: (name: string) => (name === 'm' ? served : undefined), entry: () => undefined } as unknown as ModelManager;
  return new DataPlane(models, inferenceMetrics());
}

const body = Buffer.from(JSON.stringify({ inputs: [[0.5, 1.5]] }));
const inferBody = Buffer.from(JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, 2], data: [0.5, 1.5] }] }));

describe('DataPlane: how a failed run answers', () => {
  it('answers 503 (retry) when the model worker died under the request, on both protocols', async () => {
    const plane = planeFailingWith(new WorkerFailedError('the model worker running this request failed (boom); a replacement is starting'));
    for (const answer of [await plane.predict('m', body), await plane.infer({ name: 'm' }, inferBody, { 'content-type': 'application/json' })]) {
      expect(answer.status).toBe(503);
      expect(JSON.parse(String(answer.body))).toEqual({ error: "model 'm' is unavailable: the model worker running this request failed (boom); a replacement is starting; retry" });
    }
  });

  it('answers 400 when ONNX Runtime refused the input', async () => {
    const answer = await planeFailingWith(new InferenceRunError('bad dims')).predict('m', body);
    expect(answer.status).toBe(400);
    expect(JSON.parse(String(answer.body))).toEqual({ error: 'the model rejected the input: bad dims' });
  });
});
