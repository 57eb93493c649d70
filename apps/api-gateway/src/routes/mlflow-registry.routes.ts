import { Controller, Delete, Get, Patch, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MLFLOW_PREFIXES, MlflowExceptionFilter } from '@shipyard/service-kit';
import { RequirePermission } from '../auth/access-policy';
import { ProxyService } from '../proxy/proxy.service';
import { MLFLOW_ERROR } from './mlflow-error.schema';

/** MLflow's model-registry REST API (registered models, model versions, aliases), served by the registry service. */
@ApiTags('mlflow model registry')
@ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE, MALFORMED_REQUEST or RESOURCE_ALREADY_EXISTS' })
@ApiResponse({ status: 404, schema: MLFLOW_ERROR, description: 'RESOURCE_DOES_NOT_EXIST' })
@ApiResponse({ status: 503, schema: MLFLOW_ERROR, description: 'TEMPORARILY_UNAVAILABLE: the owning service is unavailable' })
@UseFilters(MlflowExceptionFilter)
@Controller(MLFLOW_PREFIXES)
export class MlflowRegistryRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Post('registered-models/create')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Create a registered model' })
  createRegisteredModel(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get('registered-models/get')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'Get a registered model by name' })
  getRegisteredModel(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get('registered-models/search')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'Search registered models by name' })
  searchRegisteredModels(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Patch('registered-models/update')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Update a registered model\'s description' })
  updateRegisteredModel(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Delete('registered-models/delete')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Delete a registered model' })
  deleteRegisteredModel(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Post('model-versions/create')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Create a model version from a source artifact URI (READY at once)' })
  createModelVersion(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get('model-versions/get')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'Get a model version' })
  getModelVersion(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get('model-versions/search')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'Search the versions of a model (filter name = \'<model>\'), newest first' })
  searchModelVersions(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Patch('model-versions/update')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Update a model version\'s description' })
  updateModelVersion(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Post('registered-models/alias')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Point an alias at a version' })
  setRegisteredModelAlias(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Delete('registered-models/alias')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Remove an alias' })
  deleteRegisteredModelAlias(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get('registered-models/alias')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'Get the model version an alias points at' })
  getModelVersionByAlias(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }
}
