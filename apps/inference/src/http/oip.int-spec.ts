import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, InferenceHarness } from '../../test/inference-app';
import { bigModel, DTYPE_MODEL_TYPES, dtypesModel, LOGISTIC_FEATURES, logisticModel, sampleRows, stringModel } from '../testing/test-models';

const DATATYPE: Record<string, string> = { bool: 'BOOL', int8: 'INT8', int16: 'INT16', int32: 'INT32', int64: 'INT64', uint8: 'UINT8', uint16: 'UINT16', uint32: 'UINT32', uint64: 'UINT64', float32: 'FP32', float64: 'FP64' };

/** The value of the series `name` carrying every label in `labels`, or null when there is none. */
function sample(text: string, name: string, labels: Record<string, string>): number | null {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return null;
}

interface Res<T = Record<string, unknown>> {
  status: number;
  body: T;
}

describe('Open Inference Protocol v2 and /predict on the inference service', () => {
  const cache = mkdtempSync(join(tmpdir(), 'shipyard-oip-'));
  let h: InferenceHarness;
  let url: string;
  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Res<T>> => {
    const raw = typeof body === 'string' ? body : body === undefined ? undefined : JSON.stringify(body);
    const res = await fetch(`${url}${path}`, { method, headers: { ...(raw !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(raw !== undefined ? { body: raw } : {}) });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // keep the text for the assertion message
    }
    return { status: res.status, body: parsed as T };
  };
  const logisticInput = (n: number, seed = 5) => ({ name: 'features', datatype: 'FP32', shape: [n, LOGISTIC_FEATURES], data: Array.from(sampleRows(n, LOGISTIC_FEATURES, seed)) });

  beforeAll(async () => {
    h = await InferenceHarness.start(cache);
    h.registry.addVersion('logistic', logisticModel().bytes);
    h.registry.addVersion('dtypes', dtypesModel().bytes);
    h.registry.addVersion('strings', stringModel().bytes);
    h.registry.addVersion('big', bigModel().bytes);
    url = await h.boot({ SHIPYARD_INFERENCE_MODELS: 'logistic,dtypes,strings,big', SHIPYARD_INFERENCE_BODY_LIMIT_BYTES: String(64 * 1024) });
    await eventually('models ready', async () => (await call('GET', '/v2/health/ready')).status === 200);
  });

  afterAll(async () => {
    await h?.stop();
    rmSync(cache, { recursive: true, force: true });
  });

  it('answers health (OIP and service readiness with the models probe) and server metadata', async () => {
    expect(await call('GET', '/v2/health/live')).toEqual({ status: 200, body: { live: true } });
    expect(await call('GET', '/v2/health/ready')).toEqual({ status: 200, body: { ready: true } });
    const ready = await call<{ details: Record<string, { status: string }> }>('GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.models?.status).toBe('up');
    const server = await call('GET', '/v2');
    expect(server.status).toBe(200);
    expect(server.body).toEqual(expect.objectContaining({ name: expect.any(String), version: expect.any(String), extensions: expect.any(Array) }));
  });

  it('describes a model with and without its version, and its readiness', async () => {
    const expected = { name: 'logistic', versions: ['1'], platform: 'onnxruntime_onnx', inputs: [{ name: 'features', datatype: 'FP32', shape: [-1, 16] }], outputs: [{ name: 'probability', datatype: 'FP32', shape: [-1, 1] }] };
    expect(await call('GET', '/v2/models/logistic')).toEqual({ status: 200, body: expected });
    expect(await call('GET', '/v2/models/logistic/versions/1')).toEqual({ status: 200, body: expected });
    expect(await call('GET', '/v2/models/logistic/ready')).toEqual({ status: 200, body: { name: 'logistic', ready: true } });
    expect(await call('GET', '/v2/models/logistic/versions/1/ready')).toEqual({ status: 200, body: { name: 'logistic', ready: true } });
    for (const path of ['/v2/models/nope', '/v2/models/nope/ready', '/v2/models/logistic/versions/7', '/v2/models/logistic/versions/7/ready']) {
      const res = await call('GET', path);
      expect(res.status).toBe(404);
      expect(res.body).toEqual({ error: expect.any(String) });
    }
  });

  it('infers with typed tensors, echoes the id, honours the outputs selection, with or without a version', async () => {
    const reference = logisticModel().predict(sampleRows(3, LOGISTIC_FEATURES, 5), 3);
    for (const path of ['/v2/models/logistic/infer', '/v2/models/logistic/versions/1/infer']) {
      const res = await call<{ model_name: string; model_version: string; id: string; outputs: Array<{ name: string; datatype: string; shape: number[]; data: number[] }> }>('POST', path, { id: 'req-42', inputs: [logisticInput(3)], outputs: [{ name: 'probability' }] });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ model_name: 'logistic', model_version: '1', id: 'req-42' });
      expect(res.body.outputs).toHaveLength(1);
      expect(res.body.outputs[0]).toMatchObject({ name: 'probability', datatype: 'FP32', shape: [3, 1] });
      res.body.outputs[0]?.data.forEach((p, i) => expect(p).toBeCloseTo(reference[i] ?? NaN, 5));
    }
    const noId = await call('POST', '/v2/models/logistic/infer', { inputs: [logisticInput(1)] });
    expect(noId.status).toBe(200);
    expect(noId.body).not.toHaveProperty('id');
  });

  it('takes and returns every datatype the model declares (BOOL, INT8…64, UINT8…64, FP32, FP64)', async () => {
    const values = (t: string) => (t === 'bool' ? [true, false, true, false, false, true] : t.startsWith('u') ? [0, 1, 2, 100, 200, 7] : t.startsWith('float') ? [-1.5, 0, 0.25, 1, 2, 100] : [-3, -1, 0, 1, 2, 100]);
    const inputs = DTYPE_MODEL_TYPES.map((t) => ({ name: `in_${t}`, datatype: DATATYPE[t], shape: [2, 3], data: values(t) }));
    const res = await call<{ outputs: Array<{ name: string; datatype: string; shape: number[]; data: unknown[] }> }>('POST', '/v2/models/dtypes/infer', { inputs });
    expect(res.status).toBe(200);
    for (const t of DTYPE_MODEL_TYPES) {
      expect(res.body.outputs.find((o) => o.name === `out_${t}`)).toEqual({ name: `out_${t}`, datatype: DATATYPE[t], shape: [2, 3], data: values(t) });
      expect(res.body.outputs.find((o) => o.name === `f64_${t}`)?.data).toEqual(values(t).map(Number));
    }
  });

  it('takes BYTES for a string model', async () => {
    const res = await call<{ outputs: Array<{ name: string; datatype: string; data: string[] }> }>('POST', '/v2/models/strings/infer', { inputs: [{ name: 'text', datatype: 'BYTES', shape: [2], data: ['shipyard', 'Onnx'] }] });
    expect(res.status).toBe(200);
    expect(res.body.outputs.find((o) => o.name === 'upper')).toMatchObject({ datatype: 'BYTES', data: ['SHIPYARD', 'ONNX'] });
  });

  it('answers every client mistake with a 4xx {"error"} and stays healthy', async () => {
    const cases: Array<[string, string, unknown, number]> = [
      ['wrong shape', '/v2/models/logistic/infer', { inputs: [{ ...logisticInput(1), shape: [1, 15] }] }, 400],
      ['wrong datatype', '/v2/models/logistic/infer', { inputs: [{ ...logisticInput(1), datatype: 'FP64' }] }, 400],
      ['data length ≠ product of shape', '/v2/models/logistic/infer', { inputs: [{ ...logisticInput(1), shape: [2, 16] }] }, 400],
      ['missing input', '/v2/models/dtypes/infer', { inputs: [{ name: 'in_int8', datatype: 'INT8', shape: [1, 3], data: [1, 2, 3] }] }, 400],
      ['unknown input', '/v2/models/logistic/infer', { inputs: [logisticInput(1), { name: 'extra', datatype: 'FP32', shape: [1], data: [1] }] }, 400],
      ['unknown output', '/v2/models/logistic/infer', { inputs: [logisticInput(1)], outputs: [{ name: 'nope' }] }, 400],
      ['no inputs', '/v2/models/logistic/infer', { inputs: [] }, 400],
      ['non-JSON body', '/v2/models/logistic/infer', 'this is { not json', 400],
      ['unknown model', '/v2/models/nope/infer', { inputs: [logisticInput(1)] }, 404],
      ['unknown version', '/v2/models/logistic/versions/9/infer', { inputs: [logisticInput(1)] }, 404],
      ['oversize body', '/v2/models/logistic/infer', { inputs: [logisticInput(1)], pad: 'x'.repeat(70 * 1024) }, 413],
      ['predict: no rows', '/api/v1/predict/logistic', { inputs: [] }, 400],
      ['predict: short row', '/api/v1/predict/logistic', { inputs: [[1, 2, 3]] }, 400],
      ['predict: unknown model', '/api/v1/predict/nope', { inputs: [[1]] }, 404],
    ];
    const wrong: string[] = [];
    for (const [what, path, body, status] of cases) {
      const res = await call('POST', path, body);
      const shaped = typeof res.body === 'object' && res.body !== null && typeof (res.body as { error?: unknown }).error === 'string';
      if (res.status !== status || !shaped) wrong.push(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
    expect((await call('GET', '/v2/health/ready')).status).toBe(200);
    expect((await call('POST', '/v2/models/logistic/infer', { inputs: [logisticInput(1)] })).status).toBe(200);
  });

  it('serves /predict with rows or with named features', async () => {
    const rows = Array.from({ length: 2 }, (_, r) => Array.from(sampleRows(2, LOGISTIC_FEATURES, 8)).slice(r * 16, r * 16 + 16));
    const reference = logisticModel().predict(sampleRows(2, LOGISTIC_FEATURES, 8), 2);
    const byRows = await call<{ predictions: number[] }>('POST', '/api/v1/predict/logistic', { inputs: rows });
    expect(byRows.status).toBe(200);
    // One output with one value per row: each prediction is that scalar.
    byRows.body.predictions.forEach((p, i) => expect(p).toBeCloseTo(reference[i] ?? NaN, 5));
    const byName = await call<{ predictions: number[] }>('POST', '/api/v1/predict/logistic', { instances: rows.map((features) => ({ features })) });
    expect(byName.body.predictions).toEqual(byRows.body.predictions);
  });

  it('answers /health/live while a long inference runs in a worker', async () => {
    const order: string[] = [];
    const long = call('POST', '/v2/models/big/infer', { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 64], data: Array.from(sampleRows(2, 64)) }] }).then((r) => {
      order.push('inference');
      return r;
    });
    await eventually('the long inference to be in flight', async () => sample((await call<string>('GET', '/metrics')).body, 'shipyard_inference_inflight_requests', { model: 'big' }) === 1);
    const live = await call('GET', '/health/live');
    order.push(`live ${live.status}`);
    expect((await long).status).toBe(200);
    expect(order).toEqual(['live 200', 'inference']);
  });

  it('exports per-model latency, queue, compute, batch size, in-flight and error metrics, and does not log each inference', async () => {
    const metrics = (await call<string>('GET', '/metrics')).body;
    const series: Array<[string, Record<string, string>]> = [
      ['shipyard_inference_request_duration_seconds_bucket', { le: '0.005', model: 'logistic', version: '1' }],
      ['shipyard_inference_queue_duration_seconds_count', { model: 'logistic', version: '1' }],
      ['shipyard_inference_compute_duration_seconds_count', { model: 'logistic', version: '1' }],
      ['shipyard_inference_batch_size_bucket', { le: '1', model: 'logistic' }],
      ['shipyard_inference_inflight_requests', { model: 'logistic' }],
      ['shipyard_inference_errors_total', { model: 'logistic', code: '400' }],
      ['shipyard_inference_errors_total', { model: 'nope', code: '404' }],
    ];
    expect(series.filter(([name, labels]) => sample(metrics, name, labels) === null)).toEqual([]);
    expect(sample(metrics, 'shipyard_inference_request_duration_seconds_count', { model: 'logistic', version: '1' })).toBeGreaterThan(0);
    expect(h.logs.lines.filter((l) => l.includes('/v2/models/logistic/infer') && l.includes('"statusCode":200'))).toEqual([]);
  });
});
