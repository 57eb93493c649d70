import { Controller, Get, HttpCode, Put, Req, Res, UseFilters } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { Args, Ctx, MlflowArgs, MlflowExceptionFilter, MlflowInvalidParameter, optString, RequestContext } from '@shipyard/service-kit';
import { RunArtifacts } from './run-artifacts';

/** Uploads keep their own content type here: the request is marked so the body reaches the handler as a stream. */
export const ARTIFACT_BODY_TYPE = 'application/x-shipyard-artifact';
export const ORIGINAL_TYPE_HEADER = 'x-shipyard-original-content-type';
export const MLFLOW_ARTIFACT_PREFIXES = ['api/2.0/mlflow-artifacts/artifacts', 'ajax-api/2.0/mlflow-artifacts/artifacts'];

/** MLflow artifact uploads carry the file's own type (application/json included): stream them whatever it is. */
export function streamArtifactUploads(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (req, _reply, done) => {
    if (req.method === 'PUT' && MLFLOW_ARTIFACT_PREFIXES.some((p) => req.url.startsWith(`/${p}/`))) {
      req.headers[ORIGINAL_TYPE_HEADER] = req.headers['content-type'] ?? '';
      req.headers['content-type'] = ARTIFACT_BODY_TYPE;
    }
    done();
  });
  fastify.addContentTypeParser(ARTIFACT_BODY_TYPE, (_req, payload, done) => done(null, payload));
}

/** The artifact path as fastify hands it: percent-decoded once already (decoding it again misreads a "%" in a name). */
function wildcard(req: FastifyRequest): string {
  return (req.params as Record<string, string | undefined>)['*'] ?? '';
}

/** MLflow's artifacts proxy (mlflow-artifacts:/ URIs): download, upload and list run artifacts in S3. */
@ApiExcludeController()
@UseFilters(MlflowExceptionFilter)
@Controller(MLFLOW_ARTIFACT_PREFIXES)
export class MlflowArtifactsController {
  constructor(private readonly artifacts: RunArtifacts) {}

  @Get()
  async list(@Args() a: MlflowArgs) {
    const files = await this.artifacts.list(optString(a, 'path') ?? '');
    return files.length ? { files } : {};
  }

  @Get('*')
  async download(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    const { body, size } = await this.artifacts.download(wildcard(req));
    return reply.header('content-type', 'application/octet-stream').header('content-length', String(size)).send(body);
  }

  @Put('*')
  @HttpCode(200)
  async upload(@Req() req: FastifyRequest, @Ctx() ctx: RequestContext) {
    if (req.headers['content-type'] !== ARTIFACT_BODY_TYPE) throw new MlflowInvalidParameter('the artifact upload body was not received as a stream');
    const length = req.headers['content-length'];
    const original = req.headers[ORIGINAL_TYPE_HEADER];
    await this.artifacts.upload(wildcard(req), req.body as Readable, length !== undefined ? Number(length) : undefined, typeof original === 'string' && original ? original : undefined, ctx);
    return {};
  }
}
