import { request as httpRequest } from 'node:http';
import { childProcessesOf as childrenOf, isAlive, ServiceProcess, TestStack } from '@shipyard/testing';
import { MLP_LAYERS, mlpModel, sampleRows } from '../apps/inference/src/testing/test-models';
import { eventually, metric, request, Target } from './http';

const MLP_IN = MLP_LAYERS[0];
const MODEL = 'twin';

/** One request on a connection of its own (no keep-alive pool): the cluster hands each new connection to the next process. */
function onNewConnection(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; text: string }> {
  const url = new URL(path, base);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method, agent: false, headers: { connection: 'close', ...headers, ...(payload ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}) } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.setTimeout(5_000, () => req.destroy(new Error(`${method} ${path}: no answer within 5 s`)));
    req.end(payload);
  });
}

const tensor = { name: 'input', datatype: 'FP32', shape: [1, MLP_IN], data: Array.from(sampleRows(1, MLP_IN, 5)) };
const infer = (base: string) => onNewConnection(base, 'POST', `/v2/models/${MODEL}/infer`, { inputs: [tensor] });

describe('inference (and the gateway) as two processes behind one port (real PostgreSQL, NATS, s3rver, ONNX Runtime)', () => {
  let stack: TestStack;
  let admin: Target;
  let replica: ServiceProcess;

  async function addVersion(version: number, seed: number): Promise<void> {
    const v = await request<{ version: number }>(admin, 'POST', `/api/v1/models/${MODEL}/versions`, { body: { framework: 'onnx' } });
    expect(v.status).toBe(201);
    expect(v.body.version).toBe(version);
    const up = await fetch(`${stack.url('api-gateway')}/api/v1/models/${MODEL}/versions/${version}/artifact`, { method: 'PUT', headers: { authorization: `Bearer ${await stack.adminToken()}`, 'content-type': 'application/octet-stream' }, body: mlpModel(seed).bytes });
    expect(up.status).toBe(200);
  }

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['registry', 'inference', 'api-gateway'] });
    admin = { url: stack.url('api-gateway'), token: await stack.adminToken() };
    expect((await request(admin, 'POST', '/api/v1/models', { body: { name: MODEL } })).status).toBe(201);
    await addVersion(1, 7);
    expect((await request(admin, 'POST', '/api/v1/inference/models', { body: { model: MODEL, version: 1 } })).status).toBe(201);
    // A second inference deployment of the same cluster, as two processes: it serves the recorded deployment.
    replica = await stack.startReplica('inference', { SHIPYARD_INFERENCE_PROCESSES: '2' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('reports ready once both processes serve the recorded deployment, and answers on every connection', async () => {
    expect(childrenOf(replica.pid)).toHaveLength(2);
    const ready = await request<{ details: Record<string, unknown> }>(replica.baseUrl, 'GET', '/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.details.processes).toEqual({ status: 'up', running: 2, expected: 2 });
    expect(ready.body.details.models).toMatchObject({ status: 'up', [MODEL]: 'ready (version 1)' });
    // Readiness asked on new connections lands on each process in turn: each must see the whole pod.
    for (let i = 0; i < 4; i++) expect((await onNewConnection(replica.baseUrl, 'GET', '/v2/health/ready')).status).toBe(200);

    const reference = Array.from(mlpModel(7).predict(tensor.data, 1));
    for (let i = 0; i < 12; i++) {
      const res = await infer(replica.baseUrl);
      expect(res.status).toBe(200);
      const body = JSON.parse(res.text) as { model_version: string; outputs: Array<{ data: number[] }> };
      expect(body.model_version).toBe('1');
      body.outputs[0]?.data.forEach((p, k) => expect(p).toBeCloseTo(reference[k] ?? NaN, 5));
    }
  });

  it('/metrics sums the processes: every scrape, whichever process takes it, counts every request', async () => {
    const count = (text: string) => metric(text, 'shipyard_inference_request_duration_seconds_count', { model: MODEL });
    const before = count((await onNewConnection(replica.baseUrl, 'GET', '/metrics')).text);
    for (let i = 0; i < 20; i++) expect((await infer(replica.baseUrl)).status).toBe(200);
    // Four scrapes on new connections: two per process. A process answering for itself alone would show about half.
    const scrapes = await Promise.all([0, 1, 2, 3].map(() => onNewConnection(replica.baseUrl, 'GET', '/metrics')));
    for (const s of scrapes) {
      expect(s.status).toBe(200);
      expect(count(s.text) - before).toBe(20);
      expect(metric(s.text, 'shipyard_inference_model_state', { model: MODEL, state: 'ready' })).toBe(1);
    }
  });

  it('a process that dies is replaced; meanwhile the pod is not ready and the other process answers every request', async () => {
    const [victim, survivor] = childrenOf(replica.pid);
    expect(victim).toBeDefined();
    process.kill(victim ?? 0, 'SIGKILL');
    await eventually('the supervisor to see the process end', () => Promise.resolve(replica.output(20).includes(`process ${victim ?? 0} exited (SIGKILL)`)), 10_000);
    // It starts the replacement a second later: until that one is ready, the pod is not.
    const missing = await onNewConnection(replica.baseUrl, 'GET', '/health/ready');
    expect(missing.status).toBe(503);
    expect(missing.text).toContain('1 of 2 processes not running');
    for (let i = 0; i < 8; i++) expect((await infer(replica.baseUrl)).status).toBe(200);
    const back = await eventually('the replacement to be ready', async () => {
      const r = await request<{ details: Record<string, unknown> }>(replica.baseUrl, 'GET', '/health/ready');
      return r.status === 200 ? r : null;
    });
    expect(back.body.details.processes).toEqual({ status: 'up', running: 2, expected: 2 });
    const now = childrenOf(replica.pid);
    expect(now).toHaveLength(2);
    expect(now).toContain(survivor);
    expect(now).not.toContain(victim);
    for (let i = 0; i < 8; i++) expect((await infer(replica.baseUrl)).status).toBe(200);
  });

  it('each process follows a deployment made on another replica', async () => {
    await addVersion(2, 8);
    expect((await request(admin, 'POST', '/api/v1/inference/models', { body: { model: MODEL, version: 2 } })).status).toBe(201);
    const reference = Array.from(mlpModel(8).predict(tensor.data, 1));
    // Eight consecutive new connections reach both processes: all of them answer from version 2.
    await eventually('both processes to serve version 2', async () => {
      const answers = await Promise.all(Array.from({ length: 8 }, () => infer(replica.baseUrl)));
      return answers.every((a) => a.status === 200 && (JSON.parse(a.text) as { model_version: string }).model_version === '2');
    });
    const res = JSON.parse((await infer(replica.baseUrl)).text) as { outputs: Array<{ data: number[] }> };
    res.outputs[0]?.data.forEach((p, k) => expect(p).toBeCloseTo(reference[k] ?? NaN, 5));
  });

  it('the gateway as two processes (SHIPYARD_GATEWAY_PROCESSES=2): an API key works on every connection, and its revocation reaches both processes at once', async () => {
    const gateway = await stack.startReplica('api-gateway', { SHIPYARD_GATEWAY_PROCESSES: '2' });
    expect(childrenOf(gateway.pid)).toHaveLength(2);
    const key = await request<{ id: string; key: string }>(admin, 'POST', '/api/v1/api-keys', { body: { name: 'two-processes', scopes: ['predict'] } });
    expect(key.status).toBe(201);
    const auth = { authorization: `Bearer ${key.body.key}` };
    const predictAll = () => Promise.all(Array.from({ length: 6 }, () => onNewConnection(gateway.baseUrl, 'POST', `/v2/models/${MODEL}/infer`, { inputs: [tensor] }, auth)));
    expect((await predictAll()).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect((await request(admin, 'DELETE', `/api/v1/api-keys/${key.body.id}`)).status).toBe(204);
    // Both processes cached the key; the revocation event reaches each of them.
    await eventually('both gateway processes to refuse the revoked key', async () => (await predictAll()).every((r) => r.status === 401), 20_000);
    const ready = await request<{ details: Record<string, unknown> }>(gateway.baseUrl, 'GET', '/health/ready');
    expect(ready.body.details.processes).toEqual({ status: 'up', running: 2, expected: 2 });
    expect(await gateway.kill('SIGTERM')).toBe(0);
  });

  it('SIGTERM stops both processes and the supervisor, exit code 0', async () => {
    const children = childrenOf(replica.pid);
    expect(children).toHaveLength(2);
    expect(await replica.kill('SIGTERM')).toBe(0);
    for (const pid of children) expect(isAlive(pid)).toBe(false);
  });
});
