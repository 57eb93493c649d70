import { randomUUID } from 'node:crypto';
import { ServiceProcess, TestStack } from '@shipyard/testing';
import { request } from './http';

const LIMIT = 10;

/**
 * SHIPYARD_RATE_LIMIT is a budget per user (README: "requests per principal per window"): every route
 * draws on it, and an API key counts against its owner, so neither more routes nor more keys buy more.
 */
describe('gateway: one rate-limit budget per user across routes and credentials (processes)', () => {
  let stack: TestStack;
  let limited: ServiceProcess;

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['registry', 'api-gateway'] });
    // A replica with a small limit, on the same Redis counters as the stack's gateway (whose limit is huge).
    limited = await stack.startReplica('api-gateway', { SHIPYARD_RATE_LIMIT: String(LIMIT), SHIPYARD_RATE_LIMIT_WINDOW_S: '60' });
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('counts a user’s access token and both of their API keys, on any route, against one budget', async () => {
    const u = await stack.user(`budget-${randomUUID().slice(0, 6)}@example.com`, 'data-scientist');
    const keys: string[] = [];
    for (const name of ['one', 'two']) {
      const created = await request<{ key: string }>(stack.url('api-gateway'), 'POST', '/api/v1/api-keys', { token: u.token, body: { name, scopes: ['models:read', 'models:write'] } });
      expect(created.status).toBe(201);
      keys.push(created.body.key);
    }
    const credentials = [u.token, ...keys];
    const routes: Array<[string, string]> = [['GET', '/api/v1/models'], ['GET', '/api/v1/auth/me'], ['GET', '/api/v1/api-keys']];

    // The two key creations above already counted: LIMIT - 2 requests are left, whatever the route or credential.
    const statuses: number[] = [];
    let remaining: string | null = null;
    for (let i = 0; i < LIMIT; i++) {
      const [method, path] = routes[i % routes.length] ?? ['GET', '/api/v1/models'];
      const res = await request(limited.baseUrl, method, path, { token: credentials[Math.floor(i / routes.length) % credentials.length] });
      statuses.push(res.status);
      remaining ??= res.headers.get('x-ratelimit-remaining-api');
    }
    expect(remaining).toBe(String(LIMIT - 3));
    expect(statuses).toEqual([...Array<number>(LIMIT - 2).fill(200), 429, 429]);
    for (const token of credentials) expect((await request(limited.baseUrl, 'GET', '/api/v1/auth/me', { token })).status).toBe(429);

    // Another user is counted apart.
    const other = await stack.user(`budget-other-${randomUUID().slice(0, 6)}@example.com`, 'viewer');
    expect((await request(limited.baseUrl, 'GET', '/api/v1/models', { token: other.token })).status).toBe(200);
  });
});
