import { BadRequestException, HttpException, NotFoundException, PayloadTooLargeException } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import { Client, DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { ErrorKind } from '@shipyard/contracts';
import { DomainError } from './domain-error';
import { flattenValidationErrors, translateError, ValidationFailed } from './exception-filter';

describe('translateError', () => {
  it('maps a domain error by its kind and keeps its code, message and details', () => {
    const out = translateError(new DomainError('MODEL_NOT_FOUND', ErrorKind.NotFound, 'model "x" was not found', { ref: 'x' }), 'req-1');
    expect(out).toEqual({ status: 404, body: { error: { code: 'MODEL_NOT_FOUND', message: 'model "x" was not found', details: { ref: 'x' }, requestId: 'req-1' } } });
  });

  it.each([
    [ErrorKind.InvalidInput, 400],
    [ErrorKind.Unauthenticated, 401],
    [ErrorKind.Forbidden, 403],
    [ErrorKind.Conflict, 409],
    [ErrorKind.PayloadTooLarge, 413],
    [ErrorKind.RateLimited, 429],
    [ErrorKind.Unavailable, 503],
  ])('kind %s is HTTP %i', (kind, status) => {
    expect(translateError(new DomainError('X', kind, 'm'), 'r').status).toBe(status);
  });

  it('lists every invalid field of a validation failure', () => {
    const out = translateError(new ValidationFailed([{ field: 'name', problems: ['name must be a string'] }]), 'r');
    expect(out.status).toBe(400);
    expect(out.body.error.code).toBe('VALIDATION_FAILED');
    expect(out.body.error.details).toEqual([{ field: 'name', problems: ['name must be a string'] }]);
  });

  it('reports a body-parser JSON failure as MALFORMED_JSON', () => {
    const out = translateError(new HttpException("Body is not valid JSON but content-type is set to 'application/json'", 400), 'r');
    expect(out).toMatchObject({ status: 400, body: { error: { code: 'MALFORMED_JSON' } } });
  });

  it('keeps 4xx from the framework with a stable code', () => {
    expect(translateError(new NotFoundException('Cannot GET /x'), 'r')).toMatchObject({ status: 404, body: { error: { code: 'ROUTE_NOT_FOUND', message: 'Cannot GET /x' } } });
    expect(translateError(new PayloadTooLargeException(), 'r')).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    expect(translateError(new BadRequestException('nope'), 'r')).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', message: 'nope' } } });
  });

  it('maps raw fastify errors that bypass Nest', () => {
    const err = Object.assign(new Error('too big'), { code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 });
    expect(translateError(err, 'r')).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
  });

  it('turns anything unexpected into a 500 with an errorId and no internals', () => {
    const out = translateError(new Error('connection terminated: password=hunter2 at /srv/app.js:10'), 'req-9');
    expect(out.status).toBe(500);
    expect(out.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(out.body.error).toEqual({ code: 'INTERNAL', message: expect.stringContaining(out.errorId ?? '?'), requestId: 'req-9', errorId: out.errorId });
    expect(JSON.stringify(out.body)).not.toMatch(/hunter2|app\.js/);
  });

  it('does not trust a 5xx HttpException to be safe to show', () => {
    const out = translateError(new HttpException('db password leaked', 502), 'r');
    expect(out.status).toBe(500);
    expect(JSON.stringify(out.body)).not.toContain('leaked');
  });
});

/** A PostgreSQL error as pg parses it off the wire, wrapped as TypeORM's query runner wraps it. */
function queryFailed(code: string, message: string, fields: Partial<Pick<DatabaseError, 'constraint' | 'table' | 'column'>> = {}): QueryFailedError {
  const driverError = Object.assign(new DatabaseError(message, message.length, 'error'), { severity: 'ERROR', code, ...fields });
  return new QueryFailedError('SELECT * FROM registry.models WHERE id = $1', ['secret-param'], driverError);
}

describe('translateError: database errors caused by client input', () => {
  it.each([
    ['22021', 'invalid byte sequence for encoding "UTF8": 0x00', /NUL character/],
    ['22P05', 'unsupported Unicode escape sequence', /NUL character/],
    ['22P02', 'invalid input syntax for type uuid: "x"', /not in the form its field requires/],
    ['22003', 'value "99999999999999999999" is out of range for type bigint', /a number is out of range/],
    ['22001', 'value too long for type character varying(200)', /too long/],
    ['22007', 'invalid input syntax for type timestamp with time zone: "x"', /date or time/],
    ['22008', 'date/time field value out of range: "0000-01-01"', /date or time/],
    ['22012', 'division by zero', /^invalid input: /],
    ['23514', 'new row for relation "models" violates check constraint "models_name_length"', /outside what its field allows/],
  ])('SQLSTATE %s is a 400 VALIDATION_FAILED that says what was wrong without SQL', (code, pgMessage, expected) => {
    const out = translateError(queryFailed(code, pgMessage, { constraint: 'models_name_length', table: 'models' }), 'req-7');
    expect(out.status).toBe(400);
    expect(out.errorId).toBeUndefined();
    expect(out.body.error.code).toBe('VALIDATION_FAILED');
    expect(out.body.error.requestId).toBe('req-7');
    expect(out.body.error.message).toMatch(/^invalid input: /);
    expect(out.body.error.message).toMatch(expected);
    expect(JSON.stringify(out.body)).not.toMatch(/SELECT|registry\.models|secret-param|models_name_length|bigint|uuid|UTF8/);
  });

  it('names the SQLSTATE and the constraint for the warn log', () => {
    expect(translateError(queryFailed('23514', 'violates check constraint', { constraint: 'models_name_length', table: 'models' }), 'r').warning).toEqual({ sqlState: '23514', constraint: 'models_name_length', table: 'models' });
    expect(translateError(queryFailed('22021', 'invalid byte sequence'), 'r').warning).toEqual({ sqlState: '22021' });
  });

  it('maps a bare pg DatabaseError (a query made with pg directly) the same way', () => {
    const err = Object.assign(new DatabaseError('value out of range', 20, 'error'), { severity: 'ERROR', code: '22003' });
    expect(translateError(err, 'r')).toMatchObject({ status: 400, body: { error: { code: 'VALIDATION_FAILED', message: 'invalid input: a number is out of range' } } });
  });

  it.each(['23505', '23503', '42P01', '40001'])('keeps SQLSTATE %s a 500 with an errorId', (code) => {
    const out = translateError(queryFailed(code, 'something'), 'r');
    expect(out.status).toBe(500);
    expect(out.errorId).toBeDefined();
    expect(out.warning).toBeUndefined();
  });
});

describe('translateError: the database is down, restarting or unreachable', () => {
  const unavailable = (e: unknown) => {
    const out = translateError(e, 'req-9');
    expect(out.status).toBe(503);
    expect(out.errorId).toBeDefined();
    expect(out.body.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', requestId: 'req-9' });
    expect(out.body.error.message).toMatch(/^the database is unavailable; retry shortly/);
    expect(JSON.stringify(out.body)).not.toMatch(/127\.0\.0\.1|5432|SELECT|secret-param/);
  };

  it.each([
    ['57P01', 'terminating connection due to administrator command'],
    ['57P03', 'the database system is starting up'],
    ['53300', 'sorry, too many clients already'],
    ['08006', 'connection failure'],
  ])('SQLSTATE %s (%s) is a 503 to retry, not an internal error', (code, message) => {
    unavailable(queryFailed(code, message));
  });

  it('a connection refused by a real socket, as pg reports it, is a 503', async () => {
    const client = new Client({ host: '127.0.0.1', port: 1, user: 'postgres', database: 'postgres', connectionTimeoutMillis: 2000 });
    const refused = await client.connect().then(() => null, (e: unknown) => e);
    expect(refused).toMatchObject({ code: 'ECONNREFUSED' });
    unavailable(refused);
  });

  it("pg-pool's connection timeout and a connection cut mid-query are 503s", () => {
    unavailable(new Error('timeout exceeded when trying to connect'));
    unavailable(new Error('Connection terminated unexpectedly'));
    unavailable(new QueryFailedError('SELECT 1', [], new Error('Connection terminated due to connection timeout')));
  });

  it('other errors stay 500', () => {
    expect(translateError(new Error('Connection string is invalid'), 'r').status).toBe(500);
    expect(translateError(new TypeError('x is undefined'), 'r').status).toBe(500);
  });
});

describe('flattenValidationErrors', () => {
  it('walks nested children into dotted paths', () => {
    const errors: ValidationError[] = [
      { property: 'name', constraints: { isString: 'name must be a string' }, children: [] },
      { property: 'card', children: [{ property: 'owners', constraints: { arrayMaxSize: 'too many' }, children: [] }] },
    ];
    expect(flattenValidationErrors(errors)).toEqual([
      { field: 'name', problems: ['name must be a string'] },
      { field: 'card.owners', problems: ['too many'] },
    ]);
  });
});
