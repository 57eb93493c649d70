import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createServiceApp } from '@shipyard/service-kit';
import { TestDatabase, TestNatsServer } from '@shipyard/testing';
import { messages } from '../test/audit-fixtures';
import { AuditModule } from './app.module';
import { loadAuditConfig } from './config';
import { AuditRecorder } from './events/audit-recorder';

interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ field: string; problems: string[] }>; requestId: string; errorId?: string };
}

/** The audit service in-process over a fresh database and a private NATS server, driven over its HTTP routes. */
describe('audit HTTP API: client input is a 400, never a 500 (real PostgreSQL)', () => {
  let db: TestDatabase;
  let nats: TestNatsServer;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    [db, nats] = await Promise.all([TestDatabase.create(), TestNatsServer.start()]);
    const config = loadAuditConfig({
      SHIPYARD_ENV: 'test',
      SHIPYARD_DATABASE_URL: db.url,
      SHIPYARD_NATS_URL: nats.url,
      SHIPYARD_LOG_LEVEL: 'silent',
      SHIPYARD_AUDIT_VERIFY_INTERVAL_S: '0',
      SHIPYARD_AUDIT_ANCHOR_INTERVAL_S: '0',
    });
    app = await createServiceApp({ service: 'audit', title: 'audit', module: AuditModule.register(config), port: 0, shutdownTimeoutMs: 1000 });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    await app.get(AuditRecorder).record(messages(12));
  });

  afterAll(async () => {
    await app?.close();
    await nats?.destroy();
    await db?.drop();
  });

  const get = async (url: string) => {
    const res = await app.getHttpAdapter().getInstance().inject({ method: 'GET', url, headers: { 'x-request-id': 'audit-int' } });
    return { status: res.statusCode, text: res.body, json: <T>() => JSON.parse(res.body) as T };
  };

  it.each(['99999999999999999999', '9223372036854775807', '9007199254740992', '1e300'])('refuses verify?from=%s (beyond a safe integer) with 400 naming the field', async (from) => {
    const res = await get(`/api/v1/audit/verify?from=${from}`);
    expect(res.status).toBe(400);
    const body = res.json<ErrorBody>();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.details?.map((d) => d.field)).toEqual(['from']);
    expect(res.text).not.toMatch(/bigint|SELECT/i);
  });

  it('refuses verify?to beyond a safe integer too', async () => {
    const res = await get('/api/v1/audit/verify?to=99999999999999999999');
    expect(res.status).toBe(400);
    expect(res.json<ErrorBody>().error.details?.map((d) => d.field)).toEqual(['to']);
  });

  it('accepts the largest safe integer (past the head: nothing to check)', async () => {
    const res = await get(`/api/v1/audit/verify?from=${Number.MAX_SAFE_INTEGER}`);
    expect(res.status).toBe(200);
    expect(res.json<{ ok: boolean; checked: number }>()).toMatchObject({ ok: true, checked: 0 });
  });

  it('refuses a range whose from exceeds its to, and still verifies a proper one', async () => {
    const bad = await get('/api/v1/audit/verify?from=10&to=2');
    expect(bad.status).toBe(400);
    const body = bad.json<ErrorBody>();
    expect(body.error.code).toBe('VALIDATION_FAILED');
    expect(body.error.message).toContain('from must not exceed to');
    expect(body.error.details).toEqual([{ field: 'from', problems: ['from must not exceed to'] }]);
    const one = await get('/api/v1/audit/verify?from=5&to=5');
    expect(one.status).toBe(200);
    expect(one.json<{ ok: boolean; checked: number }>()).toMatchObject({ ok: true, checked: 1, fromSeq: 5, toSeq: 5 });
  });

  it('refuses a NUL character in an events filter before it reaches PostgreSQL', async () => {
    const res = await get('/api/v1/audit/events?aggregateId=a%00b');
    expect(res.status).toBe(400);
    const body = res.json<ErrorBody>();
    expect(body.error).toMatchObject({ code: 'VALIDATION_FAILED', requestId: 'audit-int' });
    expect(body.error.details?.map((d) => d.field)).toEqual(['aggregateId']);
    expect(body.error.message).toMatch(/NUL/);
  });

  it('refuses a NUL character in an export filter with 400 (not 503, the database is fine)', async () => {
    const res = await get('/api/v1/audit/export?correlationId=%00');
    expect(res.status).toBe(400);
    expect(res.json<ErrorBody>().error.details?.map((d) => d.field)).toEqual(['correlationId']);
  });

  it('still lists and exports with valid filters', async () => {
    const list = await get('/api/v1/audit/events?limit=5&from=2000-01-01T00:00:00Z');
    expect(list.status).toBe(200);
    expect(list.json<{ items: unknown[] }>().items).toHaveLength(5);
    const exported = await get('/api/v1/audit/export?format=ndjson');
    expect(exported.status).toBe(200);
    expect(exported.text.split('\n').filter(Boolean)).toHaveLength(12);
  });
});
