import { Controller, Get, Post, Req, Res, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { MLFLOW_PREFIXES, MlflowExceptionFilter } from '@shipyard/service-kit';
import { RequirePermission } from '../auth/access-policy';
import { ProxyService } from '../proxy/proxy.service';
import { MLFLOW_ERROR } from './mlflow-error.schema';

/**
 * MLflow's tracking REST API (experiments, runs, metrics) under /api/2.0/mlflow and /ajax-api/2.0/mlflow,
 * served by the experiments service on the same paths. Errors, including 401/403 here, use MLflow's shape.
 */
@ApiTags('mlflow tracking')
@ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE, MALFORMED_REQUEST or RESOURCE_ALREADY_EXISTS' })
@ApiResponse({ status: 404, schema: MLFLOW_ERROR, description: 'RESOURCE_DOES_NOT_EXIST' })
@ApiResponse({ status: 503, schema: MLFLOW_ERROR, description: 'TEMPORARILY_UNAVAILABLE: the owning service is unavailable' })
@UseFilters(MlflowExceptionFilter)
@Controller(MLFLOW_PREFIXES)
export class MlflowTrackingRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Post('experiments/create')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Create an experiment' })
  createExperiment(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Get('experiments/get')
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'Get an experiment by experiment_id' })
  getExperiment(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Get('experiments/get-by-name')
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'Get an experiment by experiment_name' })
  getExperimentByName(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('experiments/search')
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'Search experiments: filter on name, creation_time, last_update_time and tags.<key> (AND), order_by, view_type, paged' })
  @ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE: a malformed filter, order_by, view_type or page_token' })
  searchExperiments(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Get('experiments/search')
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'Search experiments (query parameters): same grammar as the POST form' })
  @ApiResponse({ status: 400, schema: MLFLOW_ERROR, description: 'INVALID_PARAMETER_VALUE: a malformed filter, order_by, view_type or page_token' })
  searchExperimentsGet(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('experiments/update')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Rename an experiment' })
  updateExperiment(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('experiments/delete')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Delete an experiment (restorable)' })
  deleteExperiment(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('experiments/restore')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Restore a deleted experiment' })
  restoreExperiment(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('experiments/set-experiment-tag')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Set an experiment tag' })
  setExperimentTag(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('runs/create')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Create a run' })
  createRun(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Get('runs/get')
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'Get a run with its metrics, params, tags and inputs' })
  getRun(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('runs/update')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Update a run\'s status, end time or name' })
  updateRun(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('runs/delete')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Delete a run (restorable)' })
  deleteRun(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('runs/restore')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Restore a deleted run' })
  restoreRun(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('runs/search')
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'Search runs with a filter and order_by, paged' })
  searchRuns(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('runs/log-metric')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Log a metric point' })
  logMetric(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('runs/log-parameter')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Log a param' })
  logParameter(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('runs/log-batch')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Log metrics, params and tags in one batch' })
  logBatch(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('runs/set-tag')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Set a run tag' })
  setTag(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('runs/delete-tag')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Delete a run tag' })
  deleteTag(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('runs/log-inputs')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Log dataset inputs of a run' })
  logInputs(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Get('metrics/get-history')
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'Full history of one metric of a run' })
  getMetricHistory(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }
}
