import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { VerifiedApiKey } from '@shipyard/contracts';
import { createServiceApp } from '@shipyard/service-kit';
import { TestNatsServer, waitFor } from '@shipyard/testing';
import { StandInServer } from '../../test/stand-in-server';
import { GatewayModule } from '../app.module';
import { loadGatewayConfig } from '../config';
import { configureGatewayHttp } from '../gateway-http';
import { proxyTrust } from '../proxy/client-address';

const LIMIT = 6;
const [ALICE, BOB] = [randomUUID(), randomUUID()];
/** Two API keys of Alice's, one of Bob's. */
const KEYS: Record<string, VerifiedApiKey> = {
  shp_alicekey1_secret: { keyId: randomUUID(), userId: ALICE, role: 'data-scientist', scopes: ['models:read', 'experiments:read', 'predict'], expiresAt: null },
  shp_alicekey2_secret: { keyId: randomUUID(), userId: ALICE, role: 'data-scientist', scopes: ['models:read', 'experiments:read', 'predict'], expiresAt: null },
  shp_bobkey001_secret: { keyId: randomUUID(), userId: BOB, role: 'data-scientist', scopes: ['models:read', 'predict'], expiresAt: null },
};

/**
 * SHIPYARD_RATE_LIMIT is one budget per user across routes and replicas: every route (the inference
 * fast path included) and every API key of a user draw on it. In process, real Redis and NATS, one
 * stand-in for every service.
 */
describe('the API rate limit, per user across routes (in process, real Redis)', () => {
  let nats: TestNatsServer;
  const services = new StandInServer((req, body) => {
    if (req.url !== '/internal/v1/api-keys/verify') return { status: 200, body: '{}' };
    const verified = KEYS[(JSON.parse(body) as { key: string }).key];
    return verified ? { status: 200, body: JSON.stringify(verified) } : { status: 401, body: '{}' };
  });
  let app: NestFastifyApplication;
  let gw: string;

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    const servicesUrl = await services.url();
    const config = loadGatewayConfig({
      SHIPYARD_ENV: 'test',
      SHIPYARD_LOG_LEVEL: 'silent',
      SHIPYARD_NATS_URL: nats.url,
      SHIPYARD_REDIS_KEY_PREFIX: `gw-rate-limit-int-${randomUUID()}`,
      SHIPYARD_RATE_LIMIT: String(LIMIT),
      ...Object.fromEntries(['AUTH', 'REGISTRY', 'EXPERIMENTS', 'AUDIT', 'INFERENCE'].map((s) => [`SHIPYARD_${s}_URL`, servicesUrl])),
    });
    app = await createServiceApp({ service: 'api-gateway', title: 'Shipyard API', module: GatewayModule.register(config), port: 0, shutdownTimeoutMs: 1000, bodyParser: false, trustProxy: proxyTrust(config.SHIPYARD_TRUST_PROXY), configure: (a) => configureGatewayHttp(a, config) });
    await app.listen(0, '127.0.0.1');
    gw = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    // Ready means Redis is connected: before that the limiter lets requests through (fails open).
    await waitFor('gateway ready', async () => (await fetch(`${gw}/health/ready`)).ok, 10_000);
  });

  afterAll(async () => {
    await app?.close();
    await services.close();
    await nats?.destroy();
  });

  const call = async (key: string, method: string, path: string): Promise<number> => {
    const res = await fetch(`${gw}${path}`, { method, headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{}' } : {}) });
    await res.arrayBuffer();
    return res.status;
  };
  const routes: Array<[string, string]> = [
    ['GET', '/api/v1/models'],
    ['GET', '/api/v1/auth/me'],
    ['POST', '/v2/models/m/infer'], // the inference fast path
    ['GET', '/api/v1/experiments'],
    ['POST', '/api/v1/predict/m'], // the fast path again, another route
  ];

  it('counts every route and every API key of a user against one budget; another user has their own', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < LIMIT + 4; i++) {
      const [method, path] = routes[i % routes.length] ?? ['GET', '/api/v1/models'];
      statuses.push(await call(i % 2 === 0 ? 'shp_alicekey1_secret' : 'shp_alicekey2_secret', method, path));
    }
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(200), 429, 429, 429, 429]);
    // Neither a fresh route nor the other key escapes it…
    expect(await call('shp_alicekey2_secret', 'GET', '/api/v1/experiments')).toBe(429);
    // …while Bob is counted on his own.
    expect(await call('shp_bobkey001_secret', 'GET', '/api/v1/models')).toBe(200);
    expect(await call('shp_bobkey001_secret', 'POST', '/v2/models/m/infer')).toBe(200);
  });
});
