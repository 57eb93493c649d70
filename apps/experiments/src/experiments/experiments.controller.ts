import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreateExperimentRequest, ErrorResponse, ExperimentPageResponse, ExperimentResponse, ListExperimentsQuery, UpdateExperimentRequest } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { CreateExperimentUseCase } from './create-experiment.use-case';
import { tagRecord } from './experiment.mapper';
import { ExperimentQueries } from './experiment.queries';
import { ExperimentLifecycleUseCase, UpdateExperimentUseCase } from './update-experiment.use-case';

@ApiTags('experiments')
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@Controller('api/v1/experiments')
export class ExperimentsController {
  constructor(
    private readonly createExperiment: CreateExperimentUseCase,
    private readonly updateExperiment: UpdateExperimentUseCase,
    private readonly lifecycle: ExperimentLifecycleUseCase,
    private readonly queries: ExperimentQueries,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create an experiment' })
  @ApiCreatedResponse({ type: ExperimentResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'An experiment already has this name' })
  create(@Body() body: CreateExperimentRequest, @Ctx() ctx: RequestContext) {
    return this.createExperiment.execute({ name: body.name, description: body.description, artifactLocation: body.artifactLocation, tags: tagRecord(body.tags) }, ctx);
  }

  @Get()
  @ApiOperation({ summary: 'List experiments, newest first; min_metric / min_accuracy keep those with a run at or above the bound' })
  @ApiOkResponse({ type: ExperimentPageResponse })
  list(@Query() q: ListExperimentsQuery) {
    return this.queries.list({ namePrefix: q.namePrefix, view: q.view, minMetric: q.min_metric, minAccuracy: q.min_accuracy, limit: q.limit, cursor: q.cursor });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get an experiment by id or name' })
  @ApiOkResponse({ type: ExperimentResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  get(@Param('id') id: string) {
    return this.queries.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename, describe, or set tags' })
  @ApiOkResponse({ type: ExperimentResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  @ApiResponse({ status: 409, type: ErrorResponse })
  update(@Param('id') id: string, @Body() body: UpdateExperimentRequest, @Ctx() ctx: RequestContext) {
    return this.updateExperiment.execute(id, { name: body.name, description: body.description, ...(body.tags ? { tags: tagRecord(body.tags) } : {}) }, ctx);
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete an experiment (soft: restorable, its name stays reserved)' })
  @ApiOkResponse({ type: ExperimentResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  remove(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return this.lifecycle.execute(id, 'deleted', ctx);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restore a deleted experiment' })
  @ApiOkResponse({ type: ExperimentResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  restore(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return this.lifecycle.execute(id, 'active', ctx);
  }
}
