import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { httpErrors } from '@shipyard/observability';
import { ErrorLogger, logDatabaseInputWarning, translateError } from './exception-filter';
import { MlflowErrorPayload, toMlflowError } from './mlflow-errors';
import { requestIdOf } from './request-context';

/**
 * Scoped to MLflow-compatible controllers (`@UseFilters(MlflowExceptionFilter)`): MLflow clients parse
 * `{"error_code", "message"}` and branch on the code, so these routes answer in MLflow's shape.
 */
@Catch()
export class MlflowExceptionFilter implements ExceptionFilter {
  private readonly logger: ErrorLogger = new Logger('errors');

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const req = host.switchToHttp().getRequest<FastifyRequest>();
    const shipyard = translateError(exception, requestIdOf(req));
    const out: MlflowErrorPayload = { ...toMlflowError(shipyard.status, shipyard.body.error.code, shipyard.body.error.message), ...(shipyard.errorId ? { errorId: shipyard.errorId } : {}) };
    if (out.errorId) this.logger.error({ errorId: out.errorId, err: exception }, `${out.status === 503 ? 'database unavailable' : 'unhandled error'} ${out.errorId} on ${req.method} ${req.url}`);
    if (shipyard.warning) logDatabaseInputWarning(this.logger, shipyard.warning, req);
    httpErrors().inc({ code: out.body.error_code, status: String(out.status) });
    void reply.status(out.status).header('content-type', 'application/json; charset=utf-8').send(out.body);
  }
}
