import { Controller, Delete, Get, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CreateExperimentRequest, ErrorResponse, ExperimentPageResponse, ExperimentResponse, ListExperimentsQuery, UpdateExperimentRequest } from '@shipyard/contracts';
import { RequirePermission } from '../auth/access-policy';
import { ProxyService } from '../proxy/proxy.service';

/** Experiments, served by the experiments service. */
@ApiTags('experiments')
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 503, type: ErrorResponse, description: 'The experiments service is unavailable' })
@Controller('api/v1/experiments')
export class ExperimentsRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Post()
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Create an experiment' })
  @ApiBody({ type: CreateExperimentRequest })
  @ApiCreatedResponse({ type: ExperimentResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'An experiment already has this name' })
  create(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Get()
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'List experiments, newest first; `min_metric=accuracy:0.9` (or `min_accuracy=0.9`) keeps those with an active run whose latest value is at least that' })
  @ApiOkResponse({ type: ExperimentPageResponse })
  list(@Query() _query: ListExperimentsQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Get(':id')
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'Get an experiment by id or name' })
  @ApiParam({ name: 'id', description: 'Experiment id or name' })
  @ApiOkResponse({ type: ExperimentResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  get(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Patch(':id')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Rename, describe, or set tags (upsert by key)' })
  @ApiParam({ name: 'id', description: 'Experiment id or name' })
  @ApiBody({ type: UpdateExperimentRequest })
  @ApiOkResponse({ type: ExperimentResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  @ApiResponse({ status: 409, type: ErrorResponse })
  update(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Delete(':id')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Delete an experiment (soft: restorable, the name stays reserved)' })
  @ApiParam({ name: 'id', description: 'Experiment id or name' })
  @ApiOkResponse({ type: ExperimentResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  remove(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }

  @Post(':id/restore')
  @RequirePermission('experiments:write')
  @ApiOperation({ summary: 'Restore a deleted experiment' })
  @ApiParam({ name: 'id', description: 'Experiment id or name' })
  @ApiOkResponse({ type: ExperimentResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  restore(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }
}
