import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CompareRunsQuery, CompareRunsResponse, CreateRunRequest, ErrorResponse, RunResponse, UpdateRunRequest } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { tagRecord } from '../experiments/experiment.mapper';
import { CreateRunUseCase } from './create-run.use-case';
import { RunQueries } from './run.queries';
import { RunLifecycleUseCase, UpdateRunUseCase } from './update-run.use-case';

@ApiTags('runs')
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@Controller('api/v1/runs')
export class RunsController {
  constructor(
    private readonly createRun: CreateRunUseCase,
    private readonly updateRun: UpdateRunUseCase,
    private readonly lifecycle: RunLifecycleUseCase,
    private readonly queries: RunQueries,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Start a run in an experiment' })
  @ApiCreatedResponse({ type: RunResponse })
  @ApiResponse({ status: 404, type: ErrorResponse, description: 'No such experiment' })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'The experiment is deleted' })
  create(@Body() b: CreateRunRequest, @Ctx() ctx: RequestContext) {
    return this.createRun.execute(
      { experimentId: b.experimentId, name: b.name, startTime: b.startTime ? new Date(b.startTime) : undefined, source: b.source, gitCommit: b.gitCommit, framework: b.framework, tags: tagRecord(b.tags) },
      ctx,
    );
  }

  @Get('compare')
  @ApiOperation({ summary: 'Compare runs side by side: params, latest metrics and tags as rows, runs as columns' })
  @ApiOkResponse({ type: CompareRunsResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  compare(@Query() q: CompareRunsQuery) {
    return this.queries.compare(q.runIds);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a run with its params, tags, latest metrics and dataset inputs' })
  @ApiOkResponse({ type: RunResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  get(@Param('id') id: string) {
    return this.queries.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Rename a run or change its status / end time' })
  @ApiOkResponse({ type: RunResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'The run is deleted (RUN_DELETED): restore it first' })
  update(@Param('id') id: string, @Body() b: UpdateRunRequest, @Ctx() ctx: RequestContext) {
    return this.updateRun.execute(id, { name: b.name, status: b.status, endTime: b.endTime ? new Date(b.endTime) : undefined }, ctx);
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Delete a run (soft: restorable; hidden from default searches)' })
  @ApiOkResponse({ type: RunResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  remove(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return this.lifecycle.execute(id, 'deleted', ctx);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restore a deleted run' })
  @ApiOkResponse({ type: RunResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  restore(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return this.lifecycle.execute(id, 'active', ctx);
  }
}
