import { ServiceProcess, TestStack } from '@shipyard/testing';
import { request } from './http';

/** Limits are counted in Redis, so two gateway replicas enforce one budget between them. */
describe('rate limiting across two gateway replicas sharing Redis (processes)', () => {
  let stack: TestStack;
  let second: ServiceProcess;
  let gateways: string[];

  beforeAll(async () => {
    stack = await TestStack.start({
      services: ['api-gateway'],
      env: { SHIPYARD_RATE_LIMIT: '8', SHIPYARD_RATE_LIMIT_WINDOW_S: '60', SHIPYARD_LOGIN_RATE_LIMIT: '7', SHIPYARD_LOGIN_RATE_LIMIT_WINDOW_S: '60', SHIPYARD_LOGIN_LIMIT_PER_ACCOUNT: '3' },
    });
    second = await stack.startReplica('api-gateway');
    gateways = [stack.url('api-gateway'), second.baseUrl];
  });

  afterAll(async () => {
    await stack?.stop();
  });

  it('gives one principal one budget across both replicas, then 429 with Retry-After', async () => {
    const token = await stack.adminToken(); // one login: counts toward the login limit, not this one
    const statuses: number[] = [];
    let last: Awaited<ReturnType<typeof request<{ error: { code: string } }>>> | null = null;
    for (let i = 0; i < 10; i++) {
      last = await request<{ error: { code: string } }>(gateways[i % 2] ?? '', 'GET', '/api/v1/auth/me', { token });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 200, 200, 200, 429, 429]);
    expect(last?.body.error.code).toBe('RATE_LIMITED');
    expect(Number(last?.headers.get('retry-after'))).toBeGreaterThan(0);
    // Public probes are not rate limited.
    expect((await request(gateways[0] ?? '', 'GET', '/health/live')).status).toBe(200);
  });

  it('limits login attempts per account (auth service) and per client IP (gateways), with Retry-After', async () => {
    const attempt = (i: number, email: string) => request<{ error: { code: string } }>(gateways[i % 2] ?? '', 'POST', '/api/v1/auth/login', { body: { email, password: 'wrong-password-123' } });
    // One login already happened (the admin token above). Three failures on one account are allowed…
    const onA = [await attempt(0, 'a@example.com'), await attempt(1, 'a@example.com'), await attempt(2, 'a@example.com'), await attempt(3, 'a@example.com')];
    expect(onA.map((r) => r.status)).toEqual([401, 401, 401, 429]);
    expect(onA[3]?.body.error.code).toBe('ACCOUNT_LOCKED');
    expect(Number(onA[3]?.headers.get('retry-after'))).toBeGreaterThan(0);
    // …and the IP budget (7 per minute, shared by both replicas) runs out on the 8th attempt, whatever the account.
    const onB = [await attempt(4, 'b@example.com'), await attempt(5, 'b@example.com'), await attempt(6, 'c@example.com')];
    expect(onB.map((r) => r.status)).toEqual([401, 401, 429]);
    expect(onB[2]?.body.error.code).toBe('RATE_LIMITED');
    expect(Number(onB[2]?.headers.get('retry-after'))).toBeGreaterThan(0);
  });
});
