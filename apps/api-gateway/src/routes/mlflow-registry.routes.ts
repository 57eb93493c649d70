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
  @ApiOperation({ summary: 'Search registered models: filter on name and tags.<key> (=, !=, LIKE, ILIKE; AND), order_by name / creation_timestamp / last_updated_timestamp' })
  @ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE: a malformed filter, order_by or page_token' })
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
  @ApiOperation({ summary: 'Search model versions: filter on name, version_number, run_id (also IN), source_path and tags.<key> (AND), order_by name / version_number / creation_timestamp / last_updated_timestamp' })
  @ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE: a malformed filter, order_by or page_token' })
  searchModelVersions(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Patch('model-versions/update')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Update a model version\'s description' })
  updateModelVersion(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Post('model-versions/transition-stage')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Move a version to a stage (None, Staging, Production, Archived) through the same gates as the native stage route; archive_existing_versions archives the others in that stage' })
  @ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE: an unknown stage, a version that is not READY, or a move a promotion gate refuses (the native code leads the message)' })
  transitionModelVersionStage(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
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

  @Post('registered-models/rename')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Rename a registered model (its versions follow)' })
  @ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE: a missing or malformed parameter' })
  renameRegisteredModel(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Post('registered-models/set-tag')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Set a tag on a registered model' })
  @ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE: a missing or malformed parameter' })
  setRegisteredModelTag(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Delete('registered-models/delete-tag')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Remove a tag from a registered model' })
  @ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE: a missing or malformed parameter' })
  deleteRegisteredModelTag(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get('registered-models/get-latest-versions')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'Latest version per stage (all stages, or those in `stages`)' })
  @ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE: a missing or malformed parameter' })
  getLatestVersions(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Post('registered-models/get-latest-versions')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'Latest version per stage (all stages, or those in `stages`), POST form' })
  @ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE: a missing or malformed parameter' })
  getLatestVersionsPost(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Post('model-versions/set-tag')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Set a tag on a model version' })
  @ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE: a missing or malformed parameter' })
  setModelVersionTag(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Delete('model-versions/delete-tag')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Remove a tag from a model version' })
  @ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE: a missing or malformed parameter' })
  deleteModelVersionTag(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Delete('model-versions/delete')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Delete a model version (soft, as MLflow\'s SQL store: it disappears from every read and its aliases are removed; 404 when it does not exist or is already deleted)' })
  @ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE: a missing or malformed parameter' })
  deleteModelVersion(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }
}
