import { Body, Controller, Get, Inject, Module, Param, Post, Query, Req, UseFilters } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { IsArray, IsOptional, IsString } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { LoggerModule } from 'nestjs-pino';
import { Writable } from 'node:stream';
import { DataSource } from 'typeorm';
import { loggerParams } from '@shipyard/observability';
import { TestDatabase } from '@shipyard/testing';
import { createServiceApp } from './bootstrap';
import { Args, MlflowArgs, reqString } from './mlflow-args';
import { MlflowExceptionFilter } from './mlflow-exception-filter';

const DB = Symbol('DB');

class ItemBody {
  @IsString() name!: string;
  @IsOptional() @IsString() description?: string;
  @IsOptional() @IsArray() @IsString({ each: true }) tags?: string[];
}

class NumberQuery {
  @IsString() n!: string;
}

/** Routes that hand client input to PostgreSQL the way services do (parameters, never SQL text). */
@Controller('probe')
class ProbeController {
  constructor(@Inject(DB) private readonly ds: DataSource) {}

  @Get('uuid/:id')
  uuid(@Param('id') id: string) {
    return this.ds.query('SELECT $1::uuid AS id', [id]);
  }

  @Get('bigint')
  bigint(@Query() q: NumberQuery) {
    return this.ds.query('SELECT $1::bigint AS n', [q.n]);
  }

  @Post('items')
  async create(@Body() body: ItemBody) {
    await this.ds.query('INSERT INTO items (name, description, tags) VALUES ($1, $2, $3)', [body.name, body.description ?? null, body.tags ?? []]);
    return { name: body.name };
  }

  /** Reads the query itself (as proxies and streams do): the pipe never sees it, the filter must. */
  @Get('unpiped')
  unpiped(@Req() req: FastifyRequest) {
    return this.ds.query('SELECT $1::text AS q', [(req.query as Record<string, string>).q]);
  }

  @Post('blob')
  blob(@Body() body: Buffer) {
    return { bytes: body.length, nul: body.includes(0) };
  }

  @Get('broken')
  broken() {
    return this.ds.query('SELECT * FROM no_such_table');
  }
}

@Controller('api/2.0/mlflow/probe')
@UseFilters(MlflowExceptionFilter)
class MlflowProbeController {
  constructor(@Inject(DB) private readonly ds: DataSource) {}

  @Post('create')
  async create(@Args() a: MlflowArgs) {
    await this.ds.query('INSERT INTO items (name) VALUES ($1)', [reqString(a, 'name')]);
    return {};
  }

  @Get('get')
  get(@Req() req: FastifyRequest) {
    return this.ds.query('SELECT $1::uuid AS id', [(req.query as Record<string, string>).id]);
  }
}

class LogSink extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
    done();
  }
}

interface ErrorBody {
  error: { code: string; message: string; details?: Array<{ field: string; problems: string[] }>; requestId: string; errorId?: string };
}

describe('client input that PostgreSQL refuses (real PostgreSQL, in-process app)', () => {
  const sink = new LogSink();
  let db: TestDatabase;
  let ds: DataSource;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    db = await TestDatabase.create();
    ds = new DataSource({ type: 'postgres', url: db.url, logging: false });
    await ds.initialize();
    await ds.query(`CREATE TABLE items (name text NOT NULL CONSTRAINT items_name_length CHECK (char_length(name) <= 8), description text, tags text[] NOT NULL DEFAULT '{}')`);

    @Module({
      imports: [LoggerModule.forRoot(loggerParams({ service: 'db-input-test', level: 'info', destination: sink }))],
      controllers: [ProbeController, MlflowProbeController],
      providers: [{ provide: DB, useValue: ds }],
    })
    class ProbeModule {}

    app = await createServiceApp({
      service: 'db-input-test',
      title: 'probe',
      module: ProbeModule,
      port: 0,
      shutdownTimeoutMs: 1000,
      configure: (a) => {
        const fastify = a.getHttpAdapter().getInstance();
        fastify.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
        // A plain fastify route, outside Nest (as the inference data plane is): it must see its input as sent.
        fastify.get('/plain/:name', (req, reply) => reply.send({ name: (req.params as { name: string }).name }));
      },
    });
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
  });

  afterAll(async () => {
    await app?.close();
    await ds?.destroy();
    await db?.drop();
  });

  const inject = async (method: 'GET' | 'POST', url: string, payload?: string | Buffer, contentType = 'application/json') => {
    const res = await app
      .getHttpAdapter()
      .getInstance()
      .inject({ method, url, headers: { 'x-request-id': 'req-db', ...(payload !== undefined ? { 'content-type': contentType } : {}) }, ...(payload !== undefined ? { payload } : {}) });
    return { status: res.statusCode, text: res.body, json: <T>() => JSON.parse(res.body) as T };
  };
  const count = async () => Number((await ds.query<Array<{ n: string }>>('SELECT count(*) AS n FROM items'))[0]?.n);
  const fields = (body: ErrorBody) => body.error.details?.map((d) => d.field);

  describe('a NUL character is a 400 that names the field, before the database', () => {
    it('in a path parameter', async () => {
      const res = await inject('GET', '/probe/uuid/%00');
      expect(res.status).toBe(400);
      const body = res.json<ErrorBody>();
      expect(body.error).toMatchObject({ code: 'VALIDATION_FAILED', requestId: 'req-db' });
      expect(fields(body)).toEqual(['id']);
      expect(body.error.message).toContain('NUL');
    });

    it('in a query value', async () => {
      const res = await inject('GET', '/probe/bigint?n=1%002');
      expect(res.status).toBe(400);
      expect(fields(res.json<ErrorBody>())).toEqual(['n']);
    });

    it('in a body string, nested ones included, and nothing is written', async () => {
      const res = await inject('POST', '/probe/items', JSON.stringify({ name: 'nulm', description: 'a\u0000b', tags: ['ok', 'x\u0000'] }));
      expect(res.status).toBe(400);
      const body = res.json<ErrorBody>();
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(fields(body)).toEqual(['description', 'tags.1']);
      expect(await count()).toBe(0);
    });

    it('on an MLflow route, in MLflow’s error shape', async () => {
      const res = await inject('POST', '/api/2.0/mlflow/probe/create', JSON.stringify({ name: 'a\u0000' }));
      expect(res.status).toBe(400);
      const body = res.json<{ error_code: string; message: string }>();
      expect(body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/name .*NUL/) });
      expect(await count()).toBe(0);
    });
  });

  describe('what reaches PostgreSQL anyway is mapped to a 400 without SQL, logged at warn', () => {
    it('a NUL read past the pipe (22021)', async () => {
      const res = await inject('GET', '/probe/unpiped?q=a%00b');
      expect(res.status).toBe(400);
      expect(res.json<ErrorBody>().error).toEqual({ code: 'VALIDATION_FAILED', message: 'invalid input: a value holds a NUL character (\\u0000) or bytes that are not valid UTF-8', requestId: 'req-db' });
    });

    it('text that is not a UUID (22P02)', async () => {
      const res = await inject('GET', '/probe/uuid/not-a-uuid');
      expect(res.status).toBe(400);
      const body = res.json<ErrorBody>();
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(body.error.message).toMatch(/^invalid input: /);
      expect(res.text).not.toMatch(/SELECT|::uuid|invalid input syntax/);
    });

    it('a number out of range (22003)', async () => {
      const res = await inject('GET', '/probe/bigint?n=99999999999999999999');
      expect(res.status).toBe(400);
      expect(res.json<ErrorBody>().error).toMatchObject({ code: 'VALIDATION_FAILED', message: 'invalid input: a number is out of range' });
      expect(res.text).not.toContain('bigint');
    });

    it('a check constraint the validation should have caught (23514), with a warn log naming it', async () => {
      sink.lines.length = 0;
      const res = await inject('POST', '/probe/items', JSON.stringify({ name: 'much-too-long-a-name' }));
      expect(res.status).toBe(400);
      const body = res.json<ErrorBody>();
      expect(body.error.code).toBe('VALIDATION_FAILED');
      expect(body.error.errorId).toBeUndefined();
      expect(res.text).not.toContain('items_name_length');
      const warned = sink.lines.find((l) => l.includes('"sqlState":"23514"'));
      expect(JSON.parse(warned ?? '{}')).toMatchObject({ level: 40, requestId: 'req-db', constraint: 'items_name_length' });
      expect(warned).toContain('on POST /probe/items');
      expect(await count()).toBe(0);
    });

    it('on an MLflow route as INVALID_PARAMETER_VALUE', async () => {
      const uuid = await inject('GET', '/api/2.0/mlflow/probe/get?id=nope');
      expect(uuid.status).toBe(400);
      expect(uuid.json()).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/^invalid input: /) });
      const tooLong = await inject('POST', '/api/2.0/mlflow/probe/create', JSON.stringify({ name: 'much-too-long-a-name' }));
      expect(tooLong.status).toBe(400);
      expect(tooLong.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    });

    it('anything else from the database stays a 500 with an errorId', async () => {
      const res = await inject('GET', '/probe/broken');
      expect(res.status).toBe(500);
      expect(res.json<ErrorBody>().error).toMatchObject({ code: 'INTERNAL', errorId: expect.any(String) });
      expect(res.text).not.toContain('no_such_table');
    });
  });

  describe('input the check must leave alone', () => {
    it('valid strings pass through to the database', async () => {
      const res = await inject('POST', '/probe/items', JSON.stringify({ name: 'ok', description: 'tab\there', tags: ['a'] }));
      expect(res.status).toBe(201);
      expect(await count()).toBe(1);
    });

    it('a binary body with NUL bytes', async () => {
      const res = await inject('POST', '/probe/blob', Buffer.from([0x00, 0x01, 0x00, 0xff]), 'application/octet-stream');
      expect(res.status).toBe(201);
      expect(res.json()).toEqual({ bytes: 4, nul: true });
    });

    it('a plain fastify route outside Nest', async () => {
      const res = await inject('GET', '/plain/a%00b');
      expect(res.status).toBe(200);
      expect(res.json()).toEqual({ name: 'a\u0000b' });
    });
  });
});
