import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { VerifiedApiKey } from '@shipyard/contracts';
import { createServiceApp } from '@shipyard/service-kit';
import { TestNatsServer, waitFor } from '@shipyard/testing';
import { StandInServer } from '../../test/stand-in-server';
import { GatewayModule } from '../app.module';
import { loadGatewayConfig } from '../config';
import { configureGatewayHttp } from '../gateway-http';
import { proxyTrust } from './client-address';

const KEY = 'shp_clientaddr_secret';
const VERIFIED: VerifiedApiKey = { keyId: 'k-client-ip', userId: 'u-client-ip', role: 'admin', scopes: ['admin'], expiresAt: null };
const LOGIN_LIMIT = 3;

/**
 * The client IP the gateway acts on (login rate limit per IP) and sends on (X-Forwarded-For, which the
 * auth service records in login events), for SHIPYARD_TRUST_PROXY unset and set. In process, real Redis
 * and NATS, stand-in services recording what reaches them.
 */
describe('client IP behind SHIPYARD_TRUST_PROXY (in process, real Redis)', () => {
  let nats: TestNatsServer;
  const seen: IncomingHttpHeaders[] = [];
  const services = new StandInServer((req) => {
    if (req.url === '/internal/v1/api-keys/verify') return { status: 200, body: JSON.stringify(VERIFIED) };
    seen.push(req.headers);
    return { status: 401, body: JSON.stringify({ error: { code: 'INVALID_CREDENTIALS', message: 'email or password is wrong' } }) };
  });
  let servicesUrl: string;
  const apps: NestFastifyApplication[] = [];

  beforeAll(async () => {
    nats = await TestNatsServer.start();
    servicesUrl = await services.url();
  });

  afterAll(async () => {
    await Promise.all(apps.map((a) => a.close()));
    await services.close();
    await nats?.destroy();
  });

  /** A gateway as main.ts builds it, with this SHIPYARD_TRUST_PROXY (unset: the default); every service is the stand-in. */
  async function gateway(trustProxy?: string): Promise<string> {
    const config = loadGatewayConfig({
      SHIPYARD_ENV: 'test',
      SHIPYARD_LOG_LEVEL: 'silent',
      SHIPYARD_NATS_URL: nats.url,
      SHIPYARD_REDIS_KEY_PREFIX: `gw-client-ip-int-${randomUUID()}`,
      SHIPYARD_LOGIN_RATE_LIMIT: String(LOGIN_LIMIT),
      ...(trustProxy === undefined ? {} : { SHIPYARD_TRUST_PROXY: trustProxy }),
      ...Object.fromEntries(['AUTH', 'REGISTRY', 'EXPERIMENTS', 'AUDIT', 'INFERENCE'].map((s) => [`SHIPYARD_${s}_URL`, servicesUrl])),
    });
    const app = await createServiceApp({ service: 'api-gateway', title: 'Shipyard API', module: GatewayModule.register(config), port: 0, shutdownTimeoutMs: 1000, bodyParser: false, trustProxy: proxyTrust(config.SHIPYARD_TRUST_PROXY), configure: (a) => configureGatewayHttp(a, config) });
    apps.push(app);
    await app.listen(0, '127.0.0.1');
    const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    // Ready means Redis is connected: before that the limiter lets requests through (fails open).
    await waitFor('gateway ready', async () => (await fetch(`${url}/health/ready`)).ok, 10_000);
    return url;
  }

  /** A login attempt claiming `xff`: its status, and the X-Forwarded-For the auth service received (if it got through). */
  async function login(gw: string, xff: string): Promise<{ status: number; forwarded: string | string[] | undefined }> {
    const before = seen.length;
    const res = await fetch(`${gw}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': xff }, body: '{"email":"a@example.com","password":"wrong"}' });
    await res.arrayBuffer();
    return { status: res.status, forwarded: seen.length > before ? seen.at(-1)?.['x-forwarded-for'] : undefined };
  }

  /** An inference call on the fast path claiming `xff`: the X-Forwarded-For the inference service received. */
  async function infer(gw: string, xff: string): Promise<string | string[] | undefined> {
    const before = seen.length;
    const res = await fetch(`${gw}/v2/models/m/infer`, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'x-forwarded-for': xff }, body: '{}' });
    await res.arrayBuffer();
    expect(seen.length).toBe(before + 1);
    return seen.at(-1)?.['x-forwarded-for'];
  }

  describe('unset (false): clients connect directly', () => {
    let gw: string;
    beforeAll(async () => {
      gw = await gateway();
    });

    it('counts login attempts against the peer however X-Forwarded-For varies, and forwards the peer', async () => {
      const attempts = [];
      for (let i = 0; i < LOGIN_LIMIT + 2; i++) attempts.push(await login(gw, `203.0.113.${i + 1}`));
      expect(attempts.map((a) => a.status)).toEqual([401, 401, 401, 429, 429]);
      expect(attempts.slice(0, LOGIN_LIMIT).map((a) => a.forwarded)).toEqual(['127.0.0.1', '127.0.0.1', '127.0.0.1']);
    });

    it('forwards the peer from the inference fast path too', async () => {
      expect(await infer(gw, '203.0.113.9, 198.51.100.9')).toBe('127.0.0.1');
    });
  });

  describe('1: one proxy (an ingress) in front', () => {
    let gw: string;
    beforeAll(async () => {
      gw = await gateway('1');
    });

    it('takes the right-most entry, which the proxy appended: what the client put left of it changes nothing', async () => {
      const attempts = [];
      for (let i = 0; i < LOGIN_LIMIT + 1; i++) attempts.push(await login(gw, `203.0.113.${i + 1}, 198.51.100.7`));
      expect(attempts.map((a) => a.status)).toEqual([401, 401, 401, 429]);
      expect(attempts.slice(0, LOGIN_LIMIT).map((a) => a.forwarded)).toEqual(['198.51.100.7', '198.51.100.7', '198.51.100.7']);
      // Another client behind the same proxy has a budget of its own.
      expect(await login(gw, '198.51.100.8')).toEqual({ status: 401, forwarded: '198.51.100.8' });
    });

    it('does the same on the inference fast path', async () => {
      expect(await infer(gw, '203.0.113.9, 198.51.100.9')).toBe('198.51.100.9');
    });
  });

  describe('a CIDR list: the proxies’ addresses', () => {
    let gw: string;
    beforeAll(async () => {
      gw = await gateway('127.0.0.0/8, 10.0.0.0/8');
    });

    it('walks past trusted proxies only, right to left', async () => {
      expect((await login(gw, '203.0.113.5, 10.1.2.3')).forwarded).toBe('203.0.113.5');
      expect((await login(gw, '10.1.2.3, 198.51.100.5')).forwarded).toBe('198.51.100.5');
      expect(await infer(gw, '203.0.113.5, 10.1.2.3')).toBe('203.0.113.5');
    });
  });
});
