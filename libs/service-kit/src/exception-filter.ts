import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { ValidationError } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { CommonErrorCode, ErrorKind, HTTP_STATUS_BY_KIND } from '@shipyard/contracts';
import { httpErrors } from '@shipyard/observability';
import { databaseInputError, DatabaseInputWarning, databaseUnavailable } from './database-errors';
import { DomainError } from './domain-error';
import { isMlflowPath, toMlflowError } from './mlflow-errors';
import { requestIdOf } from './request-context';

export interface ErrorPayload {
  status: number;
  body: { error: { code: string; message: string; details?: unknown; requestId: string; errorId?: string } };
}

export class ValidationFailed extends DomainError {
  constructor(details: Array<{ field: string; problems: string[] }>) {
    super(CommonErrorCode.ValidationFailed, ErrorKind.InvalidInput, `invalid request: ${details.map((d) => `${d.field} ${d.problems.join(', ')}`).join('; ')}`, details);
  }
}

/** Flattens class-validator's tree into one entry per offending field path. */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): Array<{ field: string; problems: string[] }> {
  return errors.flatMap((e) => {
    const field = parent ? `${parent}.${e.property}` : e.property;
    const own = e.constraints ? [{ field, problems: Object.values(e.constraints) }] : [];
    return [...own, ...flattenValidationErrors(e.children ?? [], field)];
  });
}

const FASTIFY_CODES: Record<string, { code: string; kind: ErrorKind; message?: string }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { code: CommonErrorCode.MalformedJson, kind: ErrorKind.InvalidInput, message: 'request body is not valid JSON' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: CommonErrorCode.MalformedJson, kind: ErrorKind.InvalidInput, message: 'request body is empty but content-type is application/json' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: CommonErrorCode.PayloadTooLarge, kind: ErrorKind.PayloadTooLarge },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: CommonErrorCode.UnsupportedMediaType, kind: ErrorKind.UnsupportedMediaType },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: CommonErrorCode.ValidationFailed, kind: ErrorKind.InvalidInput },
};

const KIND_BY_STATUS = new Map<number, ErrorKind>(Object.entries(HTTP_STATUS_BY_KIND).map(([k, s]) => [s, k as ErrorKind]));

/**
 * The one place errors become HTTP (CONVENTIONS §4). Client mistakes keep their 4xx and say what was
 * wrong; anything unexpected is a 500 whose errorId is logged with the stack, and the stack never leaves.
 */
export function translateError(exception: unknown, requestId: string): ErrorPayload & { errorId?: string; warning?: DatabaseInputWarning } {
  const body = (code: string, message: string, details?: unknown) => ({ error: { code, message, ...(details !== undefined ? { details } : {}), requestId } });
  if (exception instanceof DomainError) {
    return { status: HTTP_STATUS_BY_KIND[exception.kind], body: body(String(exception.code), exception.message, exception.details) };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    if (status < 500) {
      const kind = KIND_BY_STATUS.get(status);
      const message = httpMessage(exception);
      // Nest rewraps fastify's body-parser errors as plain HttpExceptions; their message is all that is left.
      const code = status === 404 ? CommonErrorCode.RouteNotFound : status === 400 && /json/i.test(message) ? CommonErrorCode.MalformedJson : kind ? defaultCode(kind) : `HTTP_${status}`;
      return { status, body: body(code, message) };
    }
  }
  const fastifyError = exception as { code?: unknown; statusCode?: unknown; message?: unknown };
  if (typeof fastifyError?.code === 'string' && typeof fastifyError.statusCode === 'number' && fastifyError.statusCode < 500) {
    const known = FASTIFY_CODES[fastifyError.code];
    const status = known ? HTTP_STATUS_BY_KIND[known.kind] : fastifyError.statusCode;
    const message = known?.message ?? String(fastifyError.message);
    return { status, body: body(known?.code ?? CommonErrorCode.ValidationFailed, message) };
  }
  // Client input PostgreSQL refused (a NUL, a number out of range…): the client's mistake, and a validation gap to log.
  const refused = databaseInputError(exception);
  if (refused) return { status: 400, warning: refused.warning, body: body(CommonErrorCode.ValidationFailed, refused.message) };
  const errorId = randomUUID();
  // The database (or the connection to it) is down or restarting: a 503 to retry, not an internal error.
  if (databaseUnavailable(exception)) {
    return { status: 503, errorId, body: { error: { code: CommonErrorCode.UpstreamUnavailable, message: `the database is unavailable; retry shortly (errorId ${errorId})`, requestId, errorId } } };
  }
  return { status: 500, errorId, body: { error: { code: CommonErrorCode.Internal, message: `internal error; quote errorId ${errorId} when reporting it`, requestId, errorId } } };
}

function defaultCode(kind: ErrorKind): string {
  switch (kind) {
    case ErrorKind.InvalidInput:
      return CommonErrorCode.ValidationFailed;
    case ErrorKind.Unauthenticated:
      return CommonErrorCode.Unauthenticated;
    case ErrorKind.Forbidden:
      return CommonErrorCode.Forbidden;
    case ErrorKind.NotFound:
      return CommonErrorCode.NotFound;
    case ErrorKind.PayloadTooLarge:
      return CommonErrorCode.PayloadTooLarge;
    case ErrorKind.UnsupportedMediaType:
      return CommonErrorCode.UnsupportedMediaType;
    case ErrorKind.RateLimited:
      return CommonErrorCode.RateLimited;
    default:
      return kind.toUpperCase();
  }
}

function httpMessage(e: HttpException): string {
  const r = e.getResponse();
  if (typeof r === 'string') return r;
  const m = (r as { message?: unknown }).message;
  return Array.isArray(m) ? m.join('; ') : typeof m === 'string' ? m : e.message;
}

/** Terminus answers 503 with its own report; readiness probes and operators read that shape. */
function isHealthReport(e: unknown): e is HttpException {
  if (!(e instanceof HttpException)) return false;
  const r = e.getResponse() as { status?: unknown; details?: unknown };
  return typeof r === 'object' && r !== null && r.status === 'error' && typeof r.details === 'object';
}

/** The slice of a logger the filter needs; nestjs-pino's Logger fits, and so does Nest's. */
export interface ErrorLogger {
  error(message: unknown, ...optionalParams: unknown[]): void;
  warn?(message: unknown, ...optionalParams: unknown[]): void;
}

/** Input the database refused is a validation gap: warn with the SQLSTATE and constraint (never the values). */
export function logDatabaseInputWarning(logger: ErrorLogger, warning: DatabaseInputWarning, req: FastifyRequest): void {
  const where = warning.constraint ? ` (constraint ${warning.constraint})` : '';
  logger.warn?.(warning, `client input refused by the database, SQLSTATE ${warning.sqlState}${where}, on ${req.method} ${req.url}: validation should have caught it`);
}

@Catch()
export class ShipyardExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: ErrorLogger = new Logger('errors')) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    if (isHealthReport(exception)) {
      void reply.status(exception.getStatus()).send(exception.getResponse());
      return;
    }
    const requestId = requestIdOf(req);
    const out = translateError(exception, requestId);
    if (out.errorId) {
      // nestjs-pino binds this call to the request's logger (request id and route included).
      this.logger.error({ errorId: out.errorId, err: exception }, `${out.status === 503 ? 'database unavailable' : 'unhandled error'} ${out.errorId} on ${req.method} ${req.url}`);
    }
    if (out.warning) logDatabaseInputWarning(this.logger, out.warning, req);
    httpErrors().inc({ code: out.body.error.code, status: String(out.status) });
    const retryAfter = (out.body.error.details as { retryAfterSeconds?: unknown } | undefined)?.retryAfterSeconds;
    if ((out.status === 429 || out.status === 409) && typeof retryAfter === 'number') void reply.header('retry-after', String(retryAfter));
    if (out.status === 503 && out.errorId) void reply.header('retry-after', '2');
    if (isMlflowPath(req.url)) {
      // Failures before the MLflow controllers (body parsing, unknown endpoints) still answer in MLflow's shape.
      const mlflow = toMlflowError(out.status, out.body.error.code, out.body.error.message);
      void reply.status(mlflow.status).header('content-type', 'application/json; charset=utf-8').send(mlflow.body);
      return;
    }
    void reply.status(out.status).header('content-type', 'application/json; charset=utf-8').send(out.body);
  }
}
