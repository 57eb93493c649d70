import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import { ServiceProcess, TestStack } from '@shipyard/testing';
import { LOGISTIC_FEATURES, logisticModel, MLP_LAYERS, mlpModel, sampleRows } from '../apps/inference/src/testing/test-models';
import { eventually, mapLimit, metric, request, Target } from './http';

interface InferResponse {
  model_name: string;
  model_version: string;
  id?: string;
  outputs: Array<{ name: string; datatype: string; shape: number[]; data: number[] }>;
}
interface ServedModel {
  name: string;
  reference: string;
  state: string;
  version: number | null;
  batching: boolean;
}

const MLP_IN = MLP_LAYERS[0];
const MLP_OUT = MLP_LAYERS[3];

const logisticTensor = (rows: Float32Array, n: number) => ({ name: 'features', datatype: 'FP32', shape: [n, LOGISTIC_FEATURES], data: Array.from(rows) });
const mlpTensor = (rows: Float32Array, n: number) => ({ name: 'input', datatype: 'FP32', shape: [n, MLP_IN], data: Array.from(rows) });

describe('inference through the gateway: registry versions deployed, served, swapped (real PostgreSQL, NATS, s3rver, ONNX Runtime)', () => {
  let stack: TestStack;
  let admin: Target;
  let gateway: string;
  let predictKey: string;

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['audit', 'registry', 'experiments', 'inference', 'api-gateway'] });
    gateway = stack.url('api-gateway');
    admin = { url: gateway, token: await stack.adminToken() };
    const key = await request<{ key: string; scopes: string[] }>(admin, 'POST', '/api/v1/api-keys', { body: { name: 'serving', scopes: ['predict'] } });
    expect(key.status).toBe(201);
    expect(key.body.scopes).toEqual(['predict']);
    predictKey = key.body.key;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  /** A registry model with one ONNX version per artifact, uploaded through the gateway; returns its id. */
  async function registerModel(name: string, artifacts: Uint8Array[]): Promise<string> {
    const created = await request<{ id: string }>(admin, 'POST', '/api/v1/models', { body: { name } });
    expect(created.status).toBe(201);
    for (const [i, bytes] of artifacts.entries()) await addVersion(name, i + 1, bytes);
    return created.body.id;
  }

  async function addVersion(name: string, expected: number, bytes: Uint8Array): Promise<void> {
    const v = await request<{ version: number }>(admin, 'POST', `/api/v1/models/${name}/versions`, { body: { framework: 'onnx' } });
    expect(v.status).toBe(201);
    expect(v.body.version).toBe(expected);
    const up = await fetch(`${gateway}/api/v1/models/${name}/versions/${expected}/artifact`, { method: 'PUT', headers: { authorization: `Bearer ${await stack.adminToken()}`, 'content-type': 'application/octet-stream' }, body: bytes });
    expect({ status: up.status, body: ((await up.json()) as { status: string }).status }).toEqual({ status: 200, body: 'READY' });
  }

  const infer = (model: string, body: unknown, key = predictKey) => request<InferResponse>({ url: gateway, token: key }, 'POST', `/v2/models/${model}/infer`, { body });

  it('keeps a replica configured with SHIPYARD_INFERENCE_MODELS not-ready until its model is loaded and warm', async () => {
    await registerModel('boot-model', []);
    const replica: ServiceProcess = await stack.startReplica('inference', { SHIPYARD_INFERENCE_MODELS: 'boot-model', SHIPYARD_INFERENCE_WARMUP_RUNS: '5' }, { waitReady: false });
    try {
      await eventually('the replica to be live', async () => (await fetch(`${replica.baseUrl}/health/live`).catch(() => null))?.status === 200);
      // The model has no READY version yet: the replica is up but must not take traffic.
      const notReady = await request<{ details?: Record<string, { status: string }> }>(replica.baseUrl, 'GET', '/health/ready');
      expect(notReady.status).toBe(503);
      expect(JSON.stringify(notReady.body)).toContain('boot-model');
      expect(await request(replica.baseUrl, 'GET', '/v2/health/ready')).toMatchObject({ status: 400, body: { ready: false } });
      expect((await request(replica.baseUrl, 'POST', '/v2/models/boot-model/infer', { body: { inputs: [logisticTensor(sampleRows(1, LOGISTIC_FEATURES), 1)] } })).status).toBe(503);

      await addVersion('boot-model', 1, logisticModel(3).bytes);
      await eventually('the replica to be ready', async () => (await request(replica.baseUrl, 'GET', '/v2/health/ready')).status === 200);
      expect((await request(replica.baseUrl, 'GET', '/health/ready')).status).toBe(200);
      const metrics = (await request<string>(replica.baseUrl, 'GET', '/metrics')).body;
      expect(metric(metrics, 'shipyard_inference_model_loads_total', { model: 'boot-model', outcome: 'loaded' })).toBe(1);
      // Ready means warm: the first request is served by the loaded version, and right.
      const rows = sampleRows(2, LOGISTIC_FEATURES, 11);
      const res = await request<InferResponse>(replica.baseUrl, 'POST', '/v2/models/boot-model/infer', { body: { inputs: [logisticTensor(rows, 2)] } });
      expect(res.status).toBe(200);
      const reference = logisticModel(3).predict(rows, 2);
      res.body.outputs[0]?.data.forEach((p, i) => expect(p).toBeCloseTo(reference[i] ?? NaN, 5));
    } finally {
      await replica.kill('SIGTERM');
    }
  });

  it('deploys by version (admin), infers with a predict-only API key on OIP and /predict, matching the JS reference', async () => {
    await registerModel('logistic', [logisticModel(1).bytes]);
    await registerModel('mlp', [mlpModel(7).bytes]);
    for (const model of ['logistic', 'mlp']) {
      const deployed = await request<ServedModel>(admin, 'POST', '/api/v1/inference/models', { body: { model, version: 1 } });
      expect(deployed.status).toBe(201);
      expect(deployed.body).toMatchObject({ name: model, reference: `${model}:1`, state: 'ready', version: 1, batching: true });
    }
    // Deploying is admin only: a predict key may not.
    expect((await request({ url: gateway, token: predictKey }, 'POST', '/api/v1/inference/models', { body: { model: 'logistic', version: 1 } })).status).toBe(403);

    const rows = sampleRows(3, LOGISTIC_FEATURES, 5);
    const reference = logisticModel(1).predict(rows, 3);
    for (const path of ['/v2/models/logistic/infer', '/v2/models/logistic/versions/1/infer']) {
      const res = await request<InferResponse>({ url: gateway, token: predictKey }, 'POST', path, { body: { id: 'r-1', inputs: [logisticTensor(rows, 3)] } });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ model_name: 'logistic', model_version: '1', id: 'r-1' });
      expect(res.body.outputs[0]).toMatchObject({ name: 'probability', datatype: 'FP32', shape: [3, 1] });
      res.body.outputs[0]?.data.forEach((p, i) => expect(p).toBeCloseTo(reference[i] ?? NaN, 5));
    }
    // The key also works as X-API-Key.
    const viaHeader = await request<InferResponse>(gateway, 'POST', '/v2/models/logistic/infer', { body: { inputs: [logisticTensor(rows, 3)] }, headers: { 'x-api-key': predictKey } });
    expect(viaHeader.status).toBe(200);

    const rowArrays = [0, 1, 2].map((r) => Array.from(rows.slice(r * LOGISTIC_FEATURES, (r + 1) * LOGISTIC_FEATURES)));
    const predicted = await request<{ predictions: number[] }>({ url: gateway, token: predictKey }, 'POST', '/api/v1/predict/logistic', { body: { inputs: rowArrays } });
    expect(predicted.status).toBe(200);
    predicted.body.predictions.forEach((p, i) => expect(p).toBeCloseTo(reference[i] ?? NaN, 5));

    const mlpRows = sampleRows(2, MLP_IN, 9);
    const mlpReference = mlpModel(7).predict(mlpRows, 2);
    const mlp = await infer('mlp', { inputs: [mlpTensor(mlpRows, 2)] });
    expect(mlp.status).toBe(200);
    expect(mlp.body.outputs[0]).toMatchObject({ name: 'probabilities', shape: [2, MLP_OUT] });
    mlp.body.outputs[0]?.data.forEach((p, i) => expect(p).toBeCloseTo(mlpReference[i] ?? NaN, 5));
    const mlpPredict = await request<{ predictions: number[][] }>({ url: gateway, token: predictKey }, 'POST', '/api/v1/predict/mlp', { body: { inputs: [Array.from(mlpRows.slice(0, MLP_IN))] } });
    expect(mlpPredict.status).toBe(200);
    mlpPredict.body.predictions[0]?.forEach((p, i) => expect(p).toBeCloseTo(mlpReference[i] ?? NaN, 5));
  });

  it('serves a version registered the MLflow way (runs:/<run>/model, no upload): the ONNX file in the run\'s artifacts', async () => {
    const mlflow = async <T>(method: string, path: string, body?: unknown) => {
      const r = await request<T>(admin, method, `/api/2.0/mlflow/${path}`, body === undefined ? {} : { body });
      expect(r.status).toBe(200);
      return r.body;
    };
    const experimentId = (await mlflow<{ experiment_id: string }>('POST', 'experiments/create', { name: `serving-${randomUUID()}` })).experiment_id;
    const run = (await mlflow<{ run: { info: { run_id: string; artifact_uri: string } } }>('POST', 'runs/create', { experiment_id: experimentId })).run.info;
    // What mlflow.onnx.log_model leaves: a model directory with the ONNX file and its MLmodel.
    const artifacts = `${gateway}/api/2.0/mlflow-artifacts/artifacts/${run.artifact_uri.slice('mlflow-artifacts:/'.length)}`;
    const put = async (path: string, body: Uint8Array | string) => (await fetch(`${artifacts}/${path}`, { method: 'PUT', headers: { authorization: `Bearer ${await stack.adminToken()}`, 'content-type': 'application/octet-stream' }, body })).status;
    const weights = logisticModel(21);
    expect(await put('model/model.onnx', weights.bytes)).toBe(200);
    expect(await put('model/MLmodel', 'flavors:\n  onnx: {}\n')).toBe(200);
    expect(await put('notes/readme.txt', 'no model here')).toBe(200);

    const name = `mlflow-served-${randomUUID().slice(0, 8)}`;
    await mlflow('POST', 'registered-models/create', { name });
    await mlflow('POST', 'model-versions/create', { name, source: `runs:/${run.run_id}/model`, run_id: run.run_id });
    await mlflow('POST', 'model-versions/create', { name, source: `runs:/${run.run_id}/notes`, run_id: run.run_id });

    const deployed = await request<ServedModel>(admin, 'POST', '/api/v1/inference/models', { body: { model: name, version: 1 } });
    expect({ status: deployed.status, body: deployed.status === 201 ? null : deployed.body }).toEqual({ status: 201, body: null });
    expect(deployed.body).toMatchObject({ name, version: 1, state: 'ready' });
    const rows = sampleRows(3, LOGISTIC_FEATURES, 8);
    const res = await infer(name, { inputs: [logisticTensor(rows, 3)] });
    expect(res.status).toBe(200);
    const reference = weights.predict(rows, 3);
    res.body.outputs[0]?.data.forEach((p, i) => expect(p).toBeCloseTo(reference[i] ?? NaN, 5));

    // A source without an ONNX file is refused with the reason, and what was served keeps serving.
    const refused = await request<{ error: { code: string; message: string } }>(admin, 'POST', '/api/v1/inference/models', { body: { model: name, version: 2 } });
    expect({ status: refused.status, code: refused.body.error.code }).toEqual({ status: 409, code: 'VERSION_SOURCE_UNSERVABLE' });
    expect(refused.body.error.message).toContain(`no .onnx file under experiments/${experimentId}/${run.run_id}/artifacts/notes`);
    expect((await infer(name, { inputs: [logisticTensor(rows, 3)] })).body.model_version).toBe('1');
    expect((await request(admin, 'DELETE', `/api/v1/inference/models/${name}`)).status).toBe(204);
  });

  it('refuses inference to a key without predict (403) and to no credentials (401)', async () => {
    const other = await request<{ key: string }>(admin, 'POST', '/api/v1/api-keys', { body: { name: 'reader', scopes: ['models:read'] } });
    expect(other.status).toBe(201);
    const body = { inputs: [logisticTensor(sampleRows(1, LOGISTIC_FEATURES), 1)] };
    for (const path of ['/v2/models/logistic/infer', '/v2/models/logistic/versions/1/infer']) {
      const forbidden = await request<{ error: { code: string } }>({ url: gateway, token: other.body.key }, 'POST', path, { body });
      expect(forbidden.status).toBe(403);
      expect(forbidden.body.error.code).toBe('FORBIDDEN');
      expect((await request(gateway, 'POST', path, { body })).status).toBe(401);
    }
    expect((await request({ url: gateway, token: other.body.key }, 'POST', '/api/v1/predict/logistic', { body: { inputs: [[1]] } })).status).toBe(403);
    expect((await request(gateway, 'POST', '/api/v1/predict/logistic', { body: { inputs: [[1]] } })).status).toBe(401);
    expect((await request({ url: gateway, token: `${predictKey}x` }, 'POST', '/v2/models/logistic/infer', { body })).status).toBe(401);
  });

  it('rate-limits inference per user like every other route: 429 in the gateway shape with Retry-After', async () => {
    const gw2 = await stack.startReplica('api-gateway', { SHIPYARD_RATE_LIMIT: '4', SHIPYARD_RATE_LIMIT_WINDOW_S: '60' });
    try {
      // A user of its own: the budget is the user's, across routes and API keys (creating the two keys spent 2 of it),
      // and the block a replica sets when it refuses holds on every replica (the counters live in Redis).
      const owner = await stack.user(`limited-${randomUUID().slice(0, 6)}@example.com`, 'data-scientist');
      const keys: string[] = [];
      for (const name of ['limited', 'limited-too']) keys.push((await request<{ key: string }>(gateway, 'POST', '/api/v1/api-keys', { token: owner.token, body: { name, scopes: ['predict'] } })).body.key);
      const body = { inputs: [logisticTensor(sampleRows(1, LOGISTIC_FEATURES), 1)] };
      const statuses: number[] = [];
      let limited: Awaited<ReturnType<typeof request<{ error: { code: string; requestId: string; details: { limit: number } } }>>> | null = null;
      for (let i = 0; i < 5; i++) {
        const res = await request<{ error: { code: string; requestId: string; details: { limit: number } } }>({ url: gw2.baseUrl, token: keys[i % 2] }, 'POST', '/v2/models/logistic/infer', { body, headers: { 'x-request-id': `limit-${i}` } });
        statuses.push(res.status);
        if (res.status === 200) expect(res.headers.get('x-ratelimit-limit-api')).toBe('4');
        if (res.status === 429) limited ??= res;
      }
      expect(statuses).toEqual([200, 200, 429, 429, 429]);
      expect(limited?.body.error).toMatchObject({ code: 'RATE_LIMITED', requestId: 'limit-2', details: { limit: 4 } });
      expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      // Another user is counted on their own.
      const other = await stack.user(`limited-other-${randomUUID().slice(0, 6)}@example.com`, 'data-scientist');
      const otherKey = await request<{ key: string }>(gateway, 'POST', '/api/v1/api-keys', { token: other.token, body: { name: 'limited-2', scopes: ['predict'] } });
      expect((await request({ url: gw2.baseUrl, token: otherKey.body.key }, 'POST', '/v2/models/logistic/infer', { body })).status).toBe(200);
    } finally {
      await gw2.kill('SIGTERM');
    }
  });

  it("keeps OIP's {\"error\": …} shape for client mistakes through the gateway", async () => {
    const one = logisticTensor(sampleRows(1, LOGISTIC_FEATURES), 1);
    const cases: Array<[string, string, unknown, number]> = [
      ['wrong shape', '/v2/models/logistic/infer', { inputs: [{ ...one, shape: [1, 15] }] }, 400],
      ['wrong datatype', '/v2/models/logistic/infer', { inputs: [{ ...one, datatype: 'FP64' }] }, 400],
      ['no inputs', '/v2/models/logistic/infer', { inputs: [] }, 400],
      ['non-JSON body', '/v2/models/logistic/infer', 'this is { not json', 400],
      ['unknown model', '/v2/models/nope/infer', { inputs: [one] }, 404],
      ['unknown version', '/v2/models/logistic/versions/9/infer', { inputs: [one] }, 404],
      ['predict: short row', '/api/v1/predict/logistic', { inputs: [[1, 2, 3]] }, 400],
      ['predict: unknown model', '/api/v1/predict/nope', { inputs: [[1]] }, 404],
    ];
    const wrong: string[] = [];
    for (const [what, path, body, status] of cases) {
      const res = await request<{ error?: unknown }>({ url: gateway, token: predictKey }, 'POST', path, typeof body === 'string' ? { raw: body, headers: { 'content-type': 'application/json' } } : { body });
      const shaped = typeof res.body === 'object' && res.body !== null && typeof res.body.error === 'string';
      if (res.status !== status || !shaped) wrong.push(`${what}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
    }
    expect(wrong).toEqual([]);
  });

  it('answers infer through the gateway with x-request-id, nosniff and rate-limit headers; browsers get CORS and helmet; big bodies stream; a down service is a 503', async () => {
    const body = JSON.stringify({ id: 'hdr-1', inputs: [logisticTensor(sampleRows(1, LOGISTIC_FEATURES), 1)] });
    const headers = { authorization: `Bearer ${predictKey}`, 'content-type': 'application/json' };
    const viaNest = await fetch(`${gateway}/api/v1/models`, { headers: { authorization: `Bearer ${await stack.adminToken()}` } });
    const fast = await fetch(`${gateway}/v2/models/logistic/infer`, { method: 'POST', headers: { ...headers, 'x-request-id': 'fast-path-1' }, body });
    expect(fast.status).toBe(200);
    expect(((await fast.json()) as { id: string }).id).toBe('hdr-1');
    expect(fast.headers.get('x-request-id')).toBe('fast-path-1');
    // A JSON answer to a non-browser client: nosniff, not helmet's document headers (browsers take the route below).
    expect(fast.headers.get('x-content-type-options')).toBe('nosniff');
    expect(fast.headers.get('content-security-policy')).toBeNull();
    expect(Number(fast.headers.get('x-ratelimit-remaining-api'))).toBeGreaterThan(0);

    // A browser call (Origin) is answered by the Nest route, with CORS as configured (no origins allowed by default).
    const browser = await fetch(`${gateway}/v2/models/logistic/infer`, { method: 'POST', headers: { ...headers, origin: 'https://evil.example' }, body });
    expect(browser.status).toBe(200);
    expect(browser.headers.get('access-control-allow-origin')).toBeNull();
    for (const h of ['content-security-policy', 'x-content-type-options', 'x-frame-options', 'strict-transport-security', 'referrer-policy']) {
      expect({ h, value: browser.headers.get(h) }).toEqual({ h, value: viaNest.headers.get(h) });
      expect(browser.headers.get(h)).toBeTruthy();
    }

    // 2 MiB of JSON (over the buffered size) streams to the service, which judges it: a shape error, not a gateway failure.
    const big = JSON.stringify({ inputs: [{ name: 'features', datatype: 'FP32', shape: [1, LOGISTIC_FEATURES], data: Array.from({ length: 300_000 }, () => 0.125) }] });
    expect(big.length).toBeGreaterThan(1024 * 1024);
    const streamed = await fetch(`${gateway}/v2/models/logistic/infer`, { method: 'POST', headers, body: big });
    expect(streamed.status).toBe(400);
    expect(typeof ((await streamed.json()) as { error: unknown }).error).toBe('string');

    // The service down: the gateway answers 503 in its own shape and stays up.
    const lone = await TestStack.start({ services: ['api-gateway'], env: { SHIPYARD_INFERENCE_URL: 'http://127.0.0.1:9' } });
    try {
      const token = await lone.adminToken();
      const down = await fetch(`${lone.url('api-gateway')}/v2/models/logistic/infer`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'x-request-id': 'down-1' }, body });
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE', requestId: 'down-1' } });
      expect((await fetch(`${lone.url('api-gateway')}/health/live`)).status).toBe(200);
    } finally {
      await lone.stop();
    }
  });

  it('keeps a keep-alive connection open after a refusal with a small body (401, then 200 on the same socket)', async () => {
    const body = JSON.stringify({ inputs: [logisticTensor(sampleRows(1, LOGISTIC_FEATURES), 1)] });
    const head = (auth: string) => `POST /v2/models/logistic/infer HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
    const { port } = new URL(gateway);
    const text = await new Promise<string>((resolve, reject) => {
      let got = '';
      const socket = connect(Number(port), '127.0.0.1', () => socket.write(head('') + body + head(`authorization: Bearer ${predictKey}\r\n`) + body));
      const timer = setTimeout(() => {
        socket.destroy();
        resolve(got);
      }, 5_000);
      socket.on('data', (d: Buffer) => {
        got += d.toString('utf8');
        if ((got.match(/HTTP\/1\.1 \d{3}/g) ?? []).length === 2 && got.includes('"outputs"')) {
          clearTimeout(timer);
          socket.destroy();
          resolve(got);
        }
      });
      socket.on('error', reject);
    });
    expect(text.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 401', 'HTTP/1.1 200']);
  });

  it('keeps serving through the gateway after clients hang up mid-request (no pooled upstream connection is lost)', async () => {
    // Two upstream connections: a leak of either would stall the replica within these 40 hang-ups.
    const gw = await stack.startReplica('api-gateway', { SHIPYARD_GATEWAY_UPSTREAM_CONNECTIONS: '2' });
    try {
      const body = JSON.stringify({ inputs: [mlpTensor(sampleRows(256, MLP_IN), 256)] });
      const head = `POST /v2/models/mlp/infer HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: Bearer ${predictKey}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n`;
      const { port } = new URL(gw.baseUrl);
      for (let i = 0; i < 40; i++) {
        await new Promise<void>((resolve) => {
          const socket = connect(Number(port), '127.0.0.1', () => {
            socket.write(head + body);
            // Hang up at once, or a little later while the answer is on its way.
            setTimeout(() => socket.destroy(), i % 4 === 0 ? 0 : i % 5);
          });
          socket.on('close', () => resolve());
          socket.on('error', () => undefined);
        });
      }
      const ok = await Promise.all(Array.from({ length: 4 }, () => fetch(`${gw.baseUrl}/v2/models/mlp/infer`, { method: 'POST', headers: { authorization: `Bearer ${predictKey}`, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(15_000) })));
      expect(ok.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    } finally {
      await gw.kill('SIGTERM');
    }
  });

  it('gives each of many concurrent callers its own rows when requests are batched', async () => {
    const callers = 64;
    const mlp = mlpModel(7);
    let batched = 0;
    for (let round = 0; round < 5 && batched === 0; round++) {
      const results = await mapLimit(
        Array.from({ length: callers }, (_, i) => i),
        callers,
        async (i) => {
          const n = 1 + (i % 3);
          const rows = sampleRows(n, MLP_IN, 1000 * round + i);
          const res = await infer('mlp', { id: `c-${i}`, inputs: [mlpTensor(rows, n)] });
          const expected = mlp.predict(rows, n);
          const data = res.body.outputs?.[0]?.data ?? [];
          const off = data.length !== expected.length ? Infinity : Math.max(...data.map((v, k) => Math.abs(v - (expected[k] ?? NaN))));
          return { status: res.status, id: res.body.id, shape: res.body.outputs?.[0]?.shape, off, i, n };
        },
      );
      expect(results.filter((r) => r.status !== 200 || r.id !== `c-${r.i}` || r.shape?.[0] !== r.n || !(r.off < 1e-5))).toEqual([]);
      const metrics = (await request<string>(stack.url('inference'), 'GET', '/metrics')).body;
      // Requests that ran in a batch of more than one row (each request has 1–3 rows; le="1" are lone single rows).
      batched = metric(metrics, 'shipyard_inference_batch_size_count', { model: 'mlp' }) - metric(metrics, 'shipyard_inference_batch_size_bucket', { model: 'mlp', le: '1' });
    }
    expect(batched).toBeGreaterThan(0);
  });

  it('swaps an alias-deployed model under 16 concurrent clients with zero failed requests; afterwards answers come from the new weights', async () => {
    const v1 = logisticModel(21);
    const v2 = logisticModel(22);
    const id = await registerModel('swapper', [v1.bytes, v2.bytes]);
    expect((await request(admin, 'PUT', `/api/v1/models/${id}/aliases/champion`, { body: { version: 1 } })).status).toBe(200);
    const deployed = await request<ServedModel>(admin, 'POST', '/api/v1/inference/models', { body: { model: 'swapper', alias: 'champion' } });
    expect(deployed.status).toBe(201);
    expect(deployed.body).toMatchObject({ reference: 'swapper@champion', version: 1 });

    interface Outcome {
      client: number;
      started: number;
      ended: number;
      status: number;
      version: string | null;
      right: boolean;
    }
    const outcomes: Outcome[] = [];
    let firstV2: number | null = null;
    let afterSwap = 0;
    let stop = false;
    const deadline = Date.now() + 120_000;
    const client = async (c: number) => {
      const rows = sampleRows(2, LOGISTIC_FEATURES, 500 + c);
      const want = { '1': v1.predict(rows, 2), '2': v2.predict(rows, 2) };
      while (!stop && Date.now() < deadline) {
        const started = performance.now();
        const res = await infer('swapper', { id: randomUUID(), inputs: [logisticTensor(rows, 2)] }).catch((e: Error) => ({ status: 0, body: { model_version: null, error: e.message } as unknown as InferResponse }));
        const ended = performance.now();
        const version = res.status === 200 ? res.body.model_version : null;
        const expected = version === '1' || version === '2' ? want[version] : null;
        const data = res.body.outputs?.[0]?.data ?? [];
        const right = expected !== null && data.length === 2 && data.every((p, i) => Math.abs(p - (expected[i] ?? NaN)) < 1e-5);
        outcomes.push({ client: c, started, ended, status: res.status, version, right });
        if (version === '2') {
          firstV2 = firstV2 === null ? ended : Math.min(firstV2, ended);
          if (++afterSwap >= 400) stop = true;
        }
      }
    };
    const clients = Promise.all(Array.from({ length: 16 }, (_, c) => client(c)));
    await eventually('traffic on version 1', async () => Promise.resolve(outcomes.filter((o) => o.version === '1').length >= 200));
    const moved = await request<{ version: number; previousVersion: number }>(admin, 'PUT', `/api/v1/models/${id}/aliases/champion`, { body: { version: 2 } });
    expect(moved).toMatchObject({ status: 200, body: { version: 2, previousVersion: 1 } });
    await clients;

    expect(outcomes.filter((o) => o.status !== 200 || !o.right).slice(0, 5)).toEqual([]);
    expect(firstV2).not.toBeNull();
    const v2Seen = firstV2 ?? Infinity;
    // Every request sent after some client already got version 2 is answered by version 2.
    expect(outcomes.filter((o) => o.started > v2Seen && o.version !== '2')).toEqual([]);
    expect(outcomes.filter((o) => o.version === '1').length).toBeGreaterThanOrEqual(200);
    const served = await request<{ items: ServedModel[] }>(admin, 'GET', '/api/v1/inference/models');
    expect(served.body.items.find((m) => m.name === 'swapper')).toMatchObject({ reference: 'swapper@champion', version: 2, state: 'ready' });
  });

  it('stops serving a version deleted in the registry: a "newest" deployment moves back to the previous version, a pinned one answers 503 with the reason', async () => {
    const v1 = logisticModel(41);
    const v2 = logisticModel(42);
    await registerModel('retired', [v1.bytes, v2.bytes]);
    expect((await request<ServedModel>(admin, 'POST', '/api/v1/inference/models', { body: { model: 'retired' } })).body).toMatchObject({ reference: 'retired', version: 2 });
    const rows = sampleRows(1, LOGISTIC_FEATURES, 11);
    const call = () => infer('retired', { inputs: [logisticTensor(rows, 1)] });
    expect((await call()).body.model_version).toBe('2');

    expect((await request(admin, 'DELETE', '/api/v1/models/retired/versions/2')).status).toBe(204);
    const back = await eventually('newest is version 1 again', async () => {
      const r = await call();
      return r.status === 200 && r.body.model_version === '1' ? r : null;
    });
    expect(back.body.outputs[0]?.data[0]).toBeCloseTo(v1.predict(rows, 1)[0] ?? NaN, 5);

    expect((await request<ServedModel>(admin, 'POST', '/api/v1/inference/models', { body: { model: 'retired', version: 1 } })).body).toMatchObject({ reference: 'retired:1', version: 1 });
    expect((await request(admin, 'DELETE', '/api/v1/models/retired/versions/1')).status).toBe(204);
    const gone = await eventually('version 1 withdrawn', async () => {
      const r = await call();
      return r.status === 503 ? r : null;
    });
    expect(gone.body).toEqual({ error: "model 'retired' is unavailable: version 1 was deleted from the registry" });
    expect((await fetch(`${stack.url('inference')}/health/ready`)).status).toBe(200);

    // A deleted model stops being served too, and serves again once restored.
    const id = await registerModel('comeback', [v1.bytes]);
    expect((await request(admin, 'POST', '/api/v1/inference/models', { body: { model: 'comeback', version: 1 } })).status).toBe(201);
    const comeback = () => infer('comeback', { inputs: [logisticTensor(rows, 1)] });
    expect((await comeback()).status).toBe(200);
    expect((await request(admin, 'DELETE', '/api/v1/models/comeback')).status).toBe(204);
    const deleted = await eventually('comeback withdrawn', async () => {
      const r = await comeback();
      return r.status === 503 ? r : null;
    });
    expect(deleted.body).toEqual({ error: "model 'comeback' is unavailable: the model was deleted from the registry" });
    expect((await request(admin, 'POST', `/api/v1/models/${id}/restore`)).status).toBe(200);
    await eventually('comeback served again', async () => (await comeback()).status === 200);
  });
});
