import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServiceApp } from '@shipyard/service-kit';
import { TestDatabase, TestNatsServer } from '@shipyard/testing';
import { AuthModule } from '../app.module';
import { loadAuthConfig } from '../config';

const PASSWORD = 'correct-horse-battery-7';

/** POST /api/v1/auth/signup against the auth app in process, on real PostgreSQL, NATS and Redis. */
describe('self-service signup (real PostgreSQL, NATS and Redis)', () => {
  let db: TestDatabase;
  let nats: TestNatsServer;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    [db, nats] = await Promise.all([TestDatabase.create('shipyard_auth'), TestNatsServer.start()]);
    const config = loadAuthConfig({
      SHIPYARD_ENV: 'test',
      SHIPYARD_DATABASE_URL: db.url,
      SHIPYARD_NATS_URL: nats.url,
      SHIPYARD_LOG_LEVEL: 'silent',
      SHIPYARD_REDIS_KEY_PREFIX: `auth-signup-int-${randomUUID()}`,
      SHIPYARD_ALLOW_SIGNUP: 'true',
      SHIPYARD_ARGON2_MEMORY_KIB: '8192',
      SHIPYARD_ARGON2_TIME_COST: '1',
    });
    app = await createServiceApp({ service: 'auth', title: 'auth', module: AuthModule.register(config), port: 0, shutdownTimeoutMs: 1000 });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    await nats?.destroy();
    await db?.drop();
  });

  const post = async (url: string, body: unknown) => {
    const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
    return { status: res.statusCode, body: res.json<Record<string, unknown>>() };
  };
  const email = () => `signup-${randomUUID().slice(0, 8)}@example.com`;

  it('creates a viewer from email and password alone, who can then log in', async () => {
    const address = email();
    const res = await post('/api/v1/auth/signup', { email: address, password: PASSWORD });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ email: address, role: 'viewer', displayName: null, disabled: false });
    const login = await post('/api/v1/auth/login', { email: address, password: PASSWORD });
    expect(login.status).toBe(200);
    expect(login.body).toMatchObject({ tokenType: 'Bearer' });
  });

  it('keeps an optional display name', async () => {
    const res = await post('/api/v1/auth/signup', { email: email(), password: PASSWORD, displayName: 'Ada' });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ role: 'viewer', displayName: 'Ada' });
  });

  it.each(['viewer', 'admin'])('refuses a role (here %s) as an unknown property instead of ignoring it, and creates nobody', async (role) => {
    const address = email();
    const res = await post('/api/v1/auth/signup', { email: address, password: PASSWORD, role });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: { code: 'VALIDATION_FAILED', details: [{ field: 'role', problems: ['property role should not exist'] }] } });
    // Nothing was created: the address is still free.
    expect((await post('/api/v1/auth/signup', { email: address, password: PASSWORD })).status).toBe(201);
  });

  it('still validates the fields it takes', async () => {
    const res = await post('/api/v1/auth/signup', { email: 'not-an-email', password: 'short' });
    expect(res.status).toBe(400);
    expect((res.body.error as { details: Array<{ field: string }> }).details.map((d) => d.field).sort()).toEqual(['email', 'password']);
  });
});
