import { Controller, Delete, Get, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  CompareRunsQuery, CompareRunsResponse, CreateRunRequest, ErrorResponse, LogBatchRequest, LogBatchResponse, LogInputsRequest, LogMetricRequest, LogParamRequest, MetricHistoryQuery,
  MetricHistoryResponse, RunPageResponse, RunResponse, SearchRunsRequest, TagInput, UpdateRunRequest,
} from '@shipyard/contracts';
import { RequirePermission } from '../auth/access-policy';
import { ProxyService } from '../proxy/proxy.service';

const RUN_ID = { name: 'id', description: 'Run id', format: 'uuid' } as const;

/** Runs and what is logged to them, served by the experiments service. */
@ApiTags('runs')
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 503, type: ErrorResponse, description: 'The experiments service is unavailable' })
@Controller('api/v1/runs')
export class RunsRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Post()
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Start a run in an experiment' })
  @ApiBody({ type: CreateRunRequest })
  @ApiCreatedResponse({ type: RunResponse })
  @ApiResponse({ status: 404, type: ErrorResponse, description: 'No such experiment' })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'The experiment is deleted' })
  create(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post('search')
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'Search runs with the filter DSL (AND, OR, parentheses, LIKE/ILIKE, IN, ORDER BY), paged by token' })
  @ApiBody({ type: SearchRunsRequest })
  @ApiOkResponse({ type: RunPageResponse })
  search(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Get('compare')
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'Compare runs side by side: params, latest metrics and tags as rows, runs as columns' })
  @ApiOkResponse({ type: CompareRunsResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  compare(@Query() _query: CompareRunsQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Get(':id')
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'Get a run with its params, tags, latest metrics and dataset inputs' })
  @ApiParam(RUN_ID)
  @ApiOkResponse({ type: RunResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  get(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Patch(':id')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Rename a run or change its status / end time (a terminal status without endTime ends it now)' })
  @ApiParam(RUN_ID)
  @ApiBody({ type: UpdateRunRequest })
  @ApiOkResponse({ type: RunResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'RUN_DELETED: the run is deleted; restore it first' })
  update(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Delete(':id')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Delete a run (soft: restorable; hidden from default searches)' })
  @ApiParam(RUN_ID)
  @ApiOkResponse({ type: RunResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  remove(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post(':id/restore')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Restore a deleted run' })
  @ApiParam(RUN_ID)
  @ApiOkResponse({ type: RunResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  restore(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post(':id/params')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Log a param (immutable: the same value again is a no-op, another value a 400 PARAM_IMMUTABLE)' })
  @ApiParam(RUN_ID)
  @ApiBody({ type: LogParamRequest })
  @ApiCreatedResponse({ type: LogBatchResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  logParam(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post(':id/metrics')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Log one metric point (key, value, timestamp in epoch ms, step)' })
  @ApiParam(RUN_ID)
  @ApiBody({ type: LogMetricRequest })
  @ApiCreatedResponse({ type: LogBatchResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  logMetric(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post(':id/tags')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Set a tag' })
  @ApiParam(RUN_ID)
  @ApiBody({ type: TagInput })
  @ApiCreatedResponse({ type: LogBatchResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  setTag(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Delete(':id/tags/:key')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Delete a tag' })
  @ApiParam(RUN_ID)
  @ApiParam({ name: 'key', description: 'Tag key (URL-encoded)' })
  @ApiNoContentResponse()
  @ApiResponse({ status: 404, type: ErrorResponse })
  deleteTag(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post(':id/log-batch')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Log up to 1,000 metrics, 100 params and 100 tags in one transaction; one audit event with counts' })
  @ApiParam(RUN_ID)
  @ApiBody({ type: LogBatchRequest })
  @ApiCreatedResponse({ type: LogBatchResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  logBatch(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Get(':id/metric-history')
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'History of one metric in step order, optionally within [minStep, maxStep], paged' })
  @ApiParam(RUN_ID)
  @ApiOkResponse({ type: MetricHistoryResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  metricHistory(@Query() _query: MetricHistoryQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post(':id/inputs')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Link datasets (name + sha256 digest, schema, row count, profile) to a run as training / validation / test inputs' })
  @ApiParam(RUN_ID)
  @ApiBody({ type: LogInputsRequest })
  @ApiOkResponse({ type: RunResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  logInputs(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }
}
