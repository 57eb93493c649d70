import { Controller, Get, Inject, Put, Req, Res, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MlflowExceptionFilter } from '@shipyard/service-kit';
import { RequirePermission } from '../auth/access-policy';
import type { GatewayConfig } from '../config';
import { ProxyService } from '../proxy/proxy.service';
import { GATEWAY_CONFIG } from '../tokens';
import { MLFLOW_ERROR } from './mlflow-error.schema';

const PATH = { name: '*', description: 'Artifact path below the artifact root, e.g. experiments/<id>/<run>/artifacts/model.pkl' } as const;

/**
 * MLflow's artifacts proxy (what `mlflow-artifacts:/…` URIs resolve to), served by the experiments
 * service onto S3. Bodies stream through; uploads and downloads get the artifact timeout.
 */
@ApiTags('mlflow artifacts')
@ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE (e.g. a path outside run artifacts)' })
@ApiResponse({ status: 404, schema: MLFLOW_ERROR, description: 'RESOURCE_DOES_NOT_EXIST' })
@ApiResponse({ status: 503, schema: MLFLOW_ERROR, description: 'TEMPORARILY_UNAVAILABLE' })
@UseFilters(MlflowExceptionFilter)
@Controller(['api/2.0/mlflow-artifacts/artifacts', 'ajax-api/2.0/mlflow-artifacts/artifacts'])
export class MlflowArtifactsRoutes {
  constructor(
    private readonly proxy: ProxyService,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  @Get()
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'List the artifacts directly under a path' })
  @ApiQuery({ name: 'path', required: false })
  list(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Get('*')
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'Download an artifact' })
  @ApiParam(PATH)
  download(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply, { timeoutMs: this.config.SHIPYARD_GATEWAY_ARTIFACT_TIMEOUT_MS, streamedUpload: true });
  }

  @Put('*')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Upload an artifact (the body is the file)' })
  @ApiParam(PATH)
  upload(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply, { timeoutMs: this.config.SHIPYARD_GATEWAY_ARTIFACT_TIMEOUT_MS, streamedUpload: true });
  }
}
