import { randomUUID } from 'node:crypto';
import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { VerifiedApiKey } from '@shipyard/contracts';
import { createServiceApp } from '@shipyard/service-kit';
import { freePort, TestNatsServer } from '@shipyard/testing';
import { StandInServer } from '../../test/stand-in-server';
import { GatewayModule } from '../app.module';
import { loadGatewayConfig } from '../config';
import { configureGatewayHttp } from '../gateway-http';

const KEY = 'shp_expectcont_secret';
const VERIFIED: VerifiedApiKey = { keyId: 'k-expect', userId: 'u-expect', role: 'admin', scopes: ['admin'], expiresAt: null };
/** What the stand-in services accept; larger bodies get their 413, as the registry's and inference's limits answer. */
const UPSTREAM_BODY_LIMIT = 3 * 1024 * 1024;

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  bytes: number;
}

/** A service behind the gateway: records what reached it and answers with the byte count it read. */
class StandInService extends StandInServer {
  readonly seen: Seen[] = [];

  constructor(readonly name: string) {
    super((req, body) => {
      const bytes = Buffer.byteLength(body);
      this.seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, bytes });
      if (bytes > UPSTREAM_BODY_LIMIT) return { status: 413, body: JSON.stringify({ error: { code: 'PAYLOAD_TOO_LARGE', message: `over ${UPSTREAM_BODY_LIMIT} bytes` } }) };
      return { status: 200, body: JSON.stringify({ service: name, bytes }) };
    });
  }
}

interface Answer {
  status: number;
  /** Whether the gateway sent `100 Continue` before the final answer. */
  continued: boolean;
  body: string;
}

/**
 * What curl does for a body over 1 MB: sends the headers with `Expect: 100-continue` and the body only
 * after `100 Continue` (fetch/undici cannot send the header, node's http client can).
 */
function sendExpectingContinue(base: string, method: string, path: string, headers: Record<string, string>, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    let continued = false;
    const req = httpRequest(`${base}${path}`, { method, agent: false, headers: { ...headers, expect: '100-continue', 'content-length': String(body.length) } });
    req.on('continue', () => {
      continued = true;
      req.end(body);
    });
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, continued, body: Buffer.concat(chunks).toString('utf8') });
        if (!continued) req.destroy(); // answered without asking for the body: do not send it
      });
    });
    req.on('error', reject);
    req.flushHeaders();
  });
}

describe('gateway proxying (in process, stand-in services on loopback)', () => {
  let nats: TestNatsServer;
  let app: NestFastifyApplication;
  let gateway: string;
  const auth = new StandInServer((req) => (req.url === '/internal/v1/api-keys/verify' ? { status: 200, body: JSON.stringify(VERIFIED) } : { status: 404, body: '{}' }));
  const registry = new StandInService('registry');
  const experiments = new StandInService('experiments');
  const inference = new StandInService('inference');
  const authorized = { authorization: `Bearer ${KEY}` };

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    const config = loadGatewayConfig({
      SHIPYARD_ENV: 'test',
      SHIPYARD_LOG_LEVEL: 'silent',
      SHIPYARD_NATS_URL: nats.url,
      SHIPYARD_REDIS_KEY_PREFIX: `gw-proxy-int-${randomUUID()}`,
      SHIPYARD_AUTH_URL: await auth.url(),
      SHIPYARD_REGISTRY_URL: await registry.url(),
      SHIPYARD_EXPERIMENTS_URL: await experiments.url(),
      SHIPYARD_INFERENCE_URL: await inference.url(),
      // Nothing listens there: a connection refused.
      SHIPYARD_AUDIT_URL: `http://127.0.0.1:${await freePort()}`,
    });
    app = await createServiceApp({ service: 'api-gateway', title: 'Shipyard API', module: GatewayModule.register(config), port: 0, shutdownTimeoutMs: 1000, bodyParser: false, configure: (a) => configureGatewayHttp(a, config) });
    await app.listen(0, '127.0.0.1');
    gateway = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  });

  afterAll(async () => {
    await app?.close();
    await Promise.all([auth.close(), registry.close(), experiments.close(), inference.close()]);
    await nats?.destroy();
  });

  describe('a request carrying Expect: 100-continue (curl sends it for bodies over 1 MB)', () => {
    const cases: Array<{ name: string; method: string; path: string; contentType: string; size: number; upstream: StandInService }> = [
      { name: 'an artifact upload (proxy path, streamed)', method: 'PUT', path: `/api/v1/models/${randomUUID()}/versions/1/artifact`, contentType: 'application/octet-stream', size: 2 * 1024 * 1024, upstream: registry },
      { name: 'a small JSON create (proxy path)', method: 'POST', path: '/api/v1/models', contentType: 'application/json', size: 40, upstream: registry },
      { name: 'an MLflow artifact upload (proxy path)', method: 'PUT', path: '/api/2.0/mlflow-artifacts/artifacts/experiments/1/run/artifacts/model.pkl', contentType: 'application/octet-stream', size: 1536 * 1024, upstream: experiments },
      { name: 'a large OIP infer (fast path, streamed)', method: 'POST', path: '/v2/models/logistic/infer', contentType: 'application/json', size: 2 * 1024 * 1024, upstream: inference },
      { name: 'a small OIP infer (fast path, buffered)', method: 'POST', path: '/v2/models/logistic/versions/1/infer', contentType: 'application/json', size: 64 * 1024, upstream: inference },
      { name: 'a large predict (fast path, streamed)', method: 'POST', path: '/api/v1/predict/logistic', contentType: 'application/json', size: 1536 * 1024, upstream: inference },
    ];

    it.each(cases)('$name gets 100 Continue, then the service answer; the service sees no expect header', async ({ method, path, contentType, size, upstream }) => {
      const before = upstream.seen.length;
      const answer = await sendExpectingContinue(gateway, method, path, { ...authorized, 'content-type': contentType }, Buffer.alloc(size, 'x'));
      expect(answer).toEqual({ status: 200, continued: true, body: JSON.stringify({ service: upstream.name, bytes: size }) });
      expect(upstream.seen).toHaveLength(before + 1);
      const seen = upstream.seen[before];
      expect(seen).toMatchObject({ method, url: path, bytes: size });
      expect(seen?.headers.expect).toBeUndefined();
      expect(seen?.headers.authorization).toBeUndefined();
      expect(seen?.headers['x-shipyard-actor']).toBe('api_key:k-expect');
    });

    it.each([
      ['proxy path', 'PUT', `/api/v1/models/${randomUUID()}/versions/1/artifact`, registry],
      ['fast path', 'POST', '/v2/models/logistic/infer', inference],
    ] as const)('a body over the service limit still gets its clean 413 (%s)', async (_name, method, path, upstream) => {
      const answer = await sendExpectingContinue(gateway, method, path, { ...authorized, 'content-type': 'application/octet-stream' }, Buffer.alloc(UPSTREAM_BODY_LIMIT + 1, 'x'));
      expect(answer.status).toBe(413);
      expect(answer.continued).toBe(true);
      expect(JSON.parse(answer.body)).toEqual({ error: { code: 'PAYLOAD_TOO_LARGE', message: `over ${UPSTREAM_BODY_LIMIT} bytes` } });
      expect(upstream.seen.at(-1)?.headers.expect).toBeUndefined();
    });

    it('without credentials is refused with 401 and never reaches the service', async () => {
      const before = registry.seen.length;
      const answer = await sendExpectingContinue(gateway, 'POST', '/api/v1/models', { 'content-type': 'application/json' }, Buffer.from('{"name":"m"}'));
      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'UNAUTHENTICATED' } });
      expect(registry.seen).toHaveLength(before);
    });
  });

  describe('a JSON body declared larger than the service takes', () => {
    const MiB = 1024 * 1024;
    /** Sent with fetch (Content-Length set, no Expect): the client streams the whole body at once. */
    const cases: Array<{ name: string; path: string; size: number; upstream: StandInService; limit: number }> = [
      { name: 'registry (1 MiB default)', path: '/api/v1/models', size: MiB + 1, upstream: registry, limit: MiB },
      { name: 'experiments (SHIPYARD_EXPERIMENTS_BODY_LIMIT_BYTES, 4 MiB)', path: '/api/v1/experiments', size: 4 * MiB + 1, upstream: experiments, limit: 4 * MiB },
      { name: 'inference fast path (SHIPYARD_INFERENCE_BODY_LIMIT_BYTES, 16 MiB)', path: '/v2/models/logistic/infer', size: 16 * MiB + 1, upstream: inference, limit: 16 * MiB },
    ];

    it.each(cases)('$name: 413 from the gateway every time (it raced the service\'s own 413 and answered 503 or hung); the service sees nothing', async ({ path, size, upstream, limit }) => {
      const before = upstream.seen.length;
      const body = Buffer.alloc(size, 'x');
      for (let i = 0; i < 5; i++) {
        const res = await fetch(`${gateway}${path}`, { method: 'POST', headers: { ...authorized, 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(15_000) });
        expect(res.status).toBe(413);
        expect(res.headers.get('connection')).toBe('close');
        expect(await res.json()).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE', message: `request body of ${size} bytes exceeds the ${upstream.name} service's limit of ${limit} bytes` } });
      }
      expect(upstream.seen).toHaveLength(before);
    });

    it('MLflow routes answer it in MLflow\'s shape', async () => {
      const res = await fetch(`${gateway}/api/2.0/mlflow/runs/log-batch`, { method: 'POST', headers: { ...authorized, 'content-type': 'application/json' }, body: Buffer.alloc(4 * MiB + 1, 'x') });
      expect(res.status).toBeLessThan(500);
      expect(await res.json()).toMatchObject({ error_code: expect.any(String), message: expect.stringContaining('exceeds the experiments service') });
    });
  });

  it('still answers 503 UPSTREAM_UNAVAILABLE when the service cannot be reached', async () => {
    const res = await fetch(`${gateway}/api/v1/audit/events`, { headers: authorized });
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'UPSTREAM_UNAVAILABLE', message: 'the audit service is unavailable; retry shortly' } });
  });

  describe('unknown routes', () => {
    it.each([
      ['DELETE', '/api/2.0/mlflow-artifacts/artifacts/experiments/1/model.pkl'],
      ['GET', '/api/2.0/mlflow-artifacts/no-such-endpoint'],
      ['POST', '/ajax-api/2.0/mlflow-artifacts/artifacts/x'],
      ['GET', '/api/2.0/mlflow/no-such-endpoint'],
      ['GET', '/ajax-api/2.0/mlflow/runs/no-such-endpoint'],
    ])("%s %s answers MLflow's ENDPOINT_NOT_FOUND", async (method, path) => {
      const res = await fetch(`${gateway}${path}`, { method, headers: authorized });
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({ error_code: 'ENDPOINT_NOT_FOUND', message: `Cannot ${method} ${path}` });
    });

    it('elsewhere answer the native ROUTE_NOT_FOUND', async () => {
      for (const path of ['/api/v1/nothing-here', '/api/2.0/mlflow-artifactsX/artifacts']) {
        const res = await fetch(`${gateway}${path}`, { headers: authorized });
        expect(res.status).toBe(404);
        expect(await res.json()).toMatchObject({ error: { code: 'ROUTE_NOT_FOUND', message: `Cannot GET ${path}` } });
      }
    });
  });
});
