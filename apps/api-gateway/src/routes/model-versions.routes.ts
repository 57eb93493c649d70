import { Controller, Delete, Get, Inject, Patch, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiHeader, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CompleteUploadRequest, CreateVersionRequest, DownloadUrlResponse, ErrorResponse, STAGES, UpdateVersionRequest, UploadUrlResponse, VERSION_STATUSES, VersionPageResponse, VersionResponse } from '@shipyard/contracts';
import { RequirePermission } from '../auth/access-policy';
import type { GatewayConfig } from '../config';
import { ProxyService } from '../proxy/proxy.service';
import { GATEWAY_CONFIG } from '../tokens';

/** Model versions, served by the registry. */
@ApiTags('model versions')
@ApiParam({ name: 'id', description: 'Model id or name' })
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model or version' })
@ApiResponse({ status: 503, type: ErrorResponse, description: 'The registry service is unavailable' })
@Controller('api/v1/models/:id/versions')
export class ModelVersionsRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Post()
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Create the next version (PENDING_UPLOAD until its artifact is uploaded)', description: 'Numbers are allocated per model without gaps, also under concurrent creation.' })
  @ApiBody({ type: CreateVersionRequest })
  @ApiCreatedResponse({ type: VersionResponse })
  create(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get()
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'List versions, newest first, filtered by stage, status or alias' })
  @ApiQuery({ name: 'stage', required: false, enum: STAGES })
  @ApiQuery({ name: 'status', required: false, enum: VERSION_STATUSES })
  @ApiQuery({ name: 'alias', required: false })
  @ApiQuery({ name: 'limit', required: false })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiOkResponse({ type: VersionPageResponse })
  list(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get(':v')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'Get one version' })
  @ApiParam({ name: 'v', description: 'Version number' })
  @ApiOkResponse({ type: VersionResponse })
  get(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Patch(':v')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Change a version’s description or tags (all else is immutable)' })
  @ApiParam({ name: 'v', description: 'Version number' })
  @ApiBody({ type: UpdateVersionRequest })
  @ApiOkResponse({ type: VersionResponse })
  update(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Delete(':v')
  @RequirePermission('models:write')
  @ApiOperation({
    summary: 'Delete a version (soft: the row, its number and its history stay; its aliases are removed)',
    description: 'The version disappears from every read (404 VERSION_NOT_FOUND saying it was deleted) and inference no longer resolves it; numbering continues after it. A Staging or Production version is deleted too, as MLflow does.',
  })
  @ApiParam({ name: 'v', description: 'Version number' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiResponse({ status: 400, type: ErrorResponse, description: 'INVALID_VERSION_NUMBER: the version is not a positive integer' })
  @ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model or version, or the version is already deleted' })
  remove(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }
}

/** Artifacts of model versions: streamed through the gateway (never buffered) or via presigned S3 URLs. */
@ApiTags('model artifacts')
@ApiParam({ name: 'id', description: 'Model id or name' })
@ApiParam({ name: 'v', description: 'Version number' })
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input, checksum or size mismatch, not an ONNX model' })
@ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model or version' })
@ApiResponse({ status: 409, type: ErrorResponse, description: 'The version is not in a state that allows this' })
@ApiResponse({ status: 503, type: ErrorResponse, description: 'The registry service is unavailable' })
@Controller('api/v1/models/:id/versions/:v/artifact')
export class ModelArtifactsRoutes {
  constructor(
    private readonly proxy: ProxyService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Put()
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Upload the artifact as the raw body (application/octet-stream, Content-Length required); the version becomes READY', description: 'Streamed to S3 through the gateway and the registry without being held in memory. For ONNX the signature is read from the file.' })
  @ApiConsumes('application/octet-stream')
  @ApiHeader({ name: 'x-content-sha256', required: false, description: 'SHA-256 the server must find, or it refuses the upload' })
  @ApiBody({ schema: { type: 'string', format: 'binary' } })
  @ApiOkResponse({ type: VersionResponse })
  @ApiResponse({ status: 413, type: ErrorResponse, description: 'Larger than the registry accepts' })
  upload(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply, { timeoutMs: this.config.SHIPYARD_GATEWAY_ARTIFACT_TIMEOUT_MS, streamedUpload: true });
  }

  @Post('upload-url')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'A presigned URL to PUT a large artifact straight to S3; then call …/artifact/complete' })
  @ApiQuery({ name: 'expiresIn', required: false, description: 'Seconds (default from registry config, at most 7 days)' })
  @ApiOkResponse({ type: UploadUrlResponse })
  uploadUrl(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Post('complete')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Finish a presigned upload: the registry re-reads the object and checks size and sha256 before READY' })
  @ApiBody({ type: CompleteUploadRequest })
  @ApiOkResponse({ type: VersionResponse })
  complete(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply, { timeoutMs: this.config.SHIPYARD_GATEWAY_ARTIFACT_TIMEOUT_MS, streamedUpload: true });
  }

  @Get()
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'Download the artifact (streamed)' })
  @ApiProduces('application/octet-stream')
  @ApiOkResponse({ schema: { type: 'string', format: 'binary' } })
  download(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply, { timeoutMs: this.config.SHIPYARD_GATEWAY_ARTIFACT_TIMEOUT_MS, streamedUpload: true });
  }

  @Get('download-url')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'A presigned GET URL for the artifact' })
  @ApiQuery({ name: 'expiresIn', required: false, description: 'Seconds (default from registry config, at most 7 days)' })
  @ApiOkResponse({ type: DownloadUrlResponse })
  downloadUrl(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }
}
