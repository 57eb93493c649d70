import { Body, Controller, Get, HttpCode, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiHeader, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { CompleteUploadRequest, DownloadUrlResponse, ErrorKind, ErrorResponse, SHA256_PATTERN, UploadUrlResponse, UrlExpiryQuery, VersionResponse } from '@shipyard/contracts';
import { Ctx, DomainError, RequestContext } from '@shipyard/service-kit';
import { DownloadArtifact } from './download-artifact';
import { PresignedUploadUseCase } from './presigned-upload.use-case';
import { UploadArtifactUseCase, UploadMeta } from './upload-artifact.use-case';

function header(req: FastifyRequest, name: string): string | null {
  const v = req.headers[name];
  return typeof v === 'string' ? v : null;
}

function uploadMeta(req: FastifyRequest): UploadMeta {
  const length = header(req, 'content-length');
  const sha = header(req, 'x-content-sha256');
  if (sha !== null && !SHA256_PATTERN.test(sha)) throw new DomainError('VALIDATION_FAILED', ErrorKind.InvalidInput, 'x-content-sha256 must be 64 lower-case hex characters');
  return { contentLength: length !== null && /^[0-9]+$/.test(length) ? Number(length) : null, contentType: header(req, 'content-type'), expectedSha256: sha };
}

@ApiTags('model artifacts')
@ApiParam({ name: 'id', description: 'Model id or name' })
@ApiParam({ name: 'v', description: 'Version number' })
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input, checksum or size mismatch, not an ONNX model' })
@ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model or version' })
@ApiResponse({ status: 409, type: ErrorResponse, description: 'The version is not in a state that allows this' })
@Controller('api/v1/models/:id/versions/:v/artifact')
export class ArtifactsController {
  constructor(
    private readonly upload: UploadArtifactUseCase,
    private readonly presigned: PresignedUploadUseCase,
    private readonly download: DownloadArtifact,
  ) {}

  @Put()
  @ApiOperation({ summary: 'Upload the artifact, streamed (never buffered whole); the version becomes READY' })
  @ApiConsumes('application/octet-stream')
  @ApiHeader({ name: 'x-content-sha256', required: false, description: 'SHA-256 the server must find, or it refuses the upload' })
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: VersionResponse })
  @ApiResponse({ status: 411, type: ErrorResponse, description: 'Content-Length is required' })
  @ApiResponse({ status: 413, type: ErrorResponse, description: 'Larger than SHIPYARD_ARTIFACT_MAX_BYTES' })
  async put(@Param('id') id: string, @Param('v') v: string, @Req() req: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply, @Ctx() ctx: RequestContext) {
    const body = req.body as Readable;
    try {
      const meta = uploadMeta(req);
      const { model, version } = await this.upload.precheck(id, v, meta);
      return await this.upload.execute(model, version, body, meta, ctx);
    } catch (e) {
      // Refused before (or while) reading the body: close the connection rather than read gigabytes to keep it alive.
      if (!body.readableEnded) void reply.header('connection', 'close');
      throw e;
    }
  }

  @Post('upload-url')
  @HttpCode(200)
  @ApiOperation({ summary: 'A presigned URL to PUT a large artifact straight to S3; then call …/artifact/complete' })
  @ApiOkResponse({ type: UploadUrlResponse })
  uploadUrl(@Param('id') id: string, @Param('v') v: string, @Query() q: UrlExpiryQuery) {
    return this.presigned.createUrl(id, v, q.expiresIn);
  }

  @Post('complete')
  @HttpCode(200)
  @ApiOperation({ summary: 'Finish a presigned upload: the registry re-reads the object and checks size and sha256' })
  @ApiOkResponse({ type: VersionResponse })
  complete(@Param('id') id: string, @Param('v') v: string, @Body() body: CompleteUploadRequest, @Ctx() ctx: RequestContext) {
    return this.presigned.complete(id, v, body, ctx);
  }

  @Get()
  @ApiOperation({ summary: 'Download the artifact (streamed from S3)' })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  async get(@Param('id') id: string, @Param('v') v: string, @Res() reply: FastifyReply) {
    const a = await this.download.stream(id, v);
    return reply
      .header('content-type', a.contentType)
      .header('content-length', String(a.size))
      .header('etag', `"${a.sha256}"`)
      .header('x-content-sha256', a.sha256)
      .header('content-disposition', `attachment; filename="${a.fileName}"`)
      .send(a.body);
  }

  @Get('download-url')
  @ApiOperation({ summary: 'A presigned GET URL for the artifact (no credentials needed until it expires)' })
  @ApiOkResponse({ type: DownloadUrlResponse })
  downloadUrl(@Param('id') id: string, @Param('v') v: string, @Query() q: UrlExpiryQuery) {
    return this.download.url(id, v, q.expiresIn);
  }
}
