import { Body, Controller, Get, Module, Post } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsString } from 'class-validator';
import { LoggerModule } from 'nestjs-pino';
import { Writable } from 'node:stream';
import { loggerParams } from '@shipyard/observability';
import { createServiceApp } from './bootstrap';

class LoginBody {
  @IsString() email!: string;
  @IsString() password!: string;
}

@Controller('t')
class ThrowingController {
  @Get('boom')
  boom(): never {
    throw new Error('connection to db failed: password=hunter2');
  }

  @Post('login')
  login(@Body() body: LoginBody) {
    return { ok: body.email.length > 0 };
  }
}

/** Collects every line pino writes, to assert on what the logs would hold. */
class LogSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

describe('the HTTP edge of a service (in-process)', () => {
  const sink = new LogSink();
  let app: NestFastifyApplication;

  @Module({ imports: [LoggerModule.forRoot(loggerParams({ service: 'edge-test', level: 'info', destination: sink }))], controllers: [ThrowingController] })
  class EdgeTestModule {}

  beforeAll(async () => {
    app = await createServiceApp({ service: 'edge-test', title: 'edge', module: EdgeTestModule, port: 0, shutdownTimeoutMs: 1000 });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
  });

  const inject = (opts: { method: 'GET' | 'POST'; url: string; payload?: Record<string, string> | string; headers?: Record<string, string> }) => app.getHttpAdapter().getInstance().inject(opts);

  it('answers an unexpected failure with 500, an errorId that is in the log, and no internals', async () => {
    const res = await inject({ method: 'GET', url: '/t/boom', headers: { 'x-request-id': 'req-500' } });
    expect(res.statusCode).toBe(500);
    const body = res.json<{ error: { code: string; errorId: string; requestId: string; message: string } }>();
    expect(body.error).toMatchObject({ code: 'INTERNAL', requestId: 'req-500' });
    expect(res.body).not.toContain('hunter2');
    expect(res.headers['x-request-id']).toBe('req-500');
    const logged = sink.lines.find((l) => l.includes(body.error.errorId));
    expect(logged).toBeDefined();
    expect(JSON.parse(logged ?? '{}')).toMatchObject({ level: 50, errorId: body.error.errorId, requestId: 'req-500' });
  });

  it('keeps credentials out of the log: authorization header, API key header and password fields', async () => {
    sink.lines.length = 0;
    const res = await inject({
      method: 'POST',
      url: '/t/login',
      payload: { email: 'a@b.c', password: 'correct horse battery staple' },
      headers: { authorization: 'Bearer eyJhbGciOiJFUzI1NiJ9.secret.sig', 'x-api-key': 'shp_abcd_supersecretvalue', 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(201);
    const all = sink.lines.join('\n');
    expect(all).toContain('/t/login');
    expect(all).not.toContain('eyJhbGciOiJFUzI1NiJ9');
    expect(all).not.toContain('supersecretvalue');
    expect(all).not.toContain('correct horse');
  });

  it.each([
    ['arrays', `${'['.repeat(5000)}${']'.repeat(5000)}`],
    ['objects', `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`],
    ['a nested field of a valid body', `{"email":"a@b.c","password":"p","extra":${'['.repeat(100_000)}${']'.repeat(100_000)}}`],
  ])('refuses JSON nested too deeply (%s) with 400 VALIDATION_FAILED, not a stack overflow', async (_what, payload) => {
    const res = await inject({ method: 'POST', url: '/t/login', payload, headers: { 'content-type': 'application/json', 'x-request-id': 'req-deep' } });
    expect({ status: res.statusCode, body: res.json<unknown>() }).toEqual({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('body must not be nested more than 64 levels deep') as string, details: [{ field: 'body', problems: ['body must not be nested more than 64 levels deep'] }], requestId: 'req-deep' } },
    });
  });

  it('still accepts JSON nested 64 levels deep (and refuses the unknown field, as usual)', async () => {
    const payload = `{"email":"a@b.c","password":"p","extra":${'['.repeat(63)}${']'.repeat(63)}}`;
    const res = await inject({ method: 'POST', url: '/t/login', payload, headers: { 'content-type': 'application/json' } });
    expect(res.statusCode).toBe(400);
    expect(res.json<{ error: { details: unknown } }>().error.details).toEqual([{ field: 'extra', problems: ['property extra should not exist'] }]);
  });

  it('mints a request id when the caller sends none, and refuses an unsafe one', async () => {
    const minted = await inject({ method: 'GET', url: '/t/boom' });
    expect(minted.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    const unsafe = await inject({ method: 'GET', url: '/t/boom', headers: { 'x-request-id': 'x\n{"level":60}' } });
    expect(unsafe.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });
});
