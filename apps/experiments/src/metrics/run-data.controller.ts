import { Body, Controller, createParamDecorator, Delete, ExecutionContext, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponse, LogBatchRequest, LogBatchResponse, LogMetricRequest, LogParamRequest, MetricHistoryQuery as MetricHistoryParams, MetricHistoryResponse, TagInput } from '@shipyard/contracts';
import type { FastifyRequest } from 'fastify';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { batchCommandOf } from './batch-validation';
import { DeleteRunTagUseCase } from './delete-tag.use-case';
import { LogBatchUseCase } from './log-batch.use-case';
import { MetricHistoryQuery } from './metric-history.query';

/**
 * The parsed JSON body as it came. The global ValidationPipe leaves custom decorators alone, so a batch
 * skips class-transformer's copy of up to 1,000 items; the use case validates every item in one pass.
 */
const RawBody = createParamDecorator((_: unknown, host: ExecutionContext): unknown => host.switchToHttp().getRequest<FastifyRequest>().body);

@ApiTags('runs')
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 404, type: ErrorResponse, description: 'No such run' })
@Controller('api/v1/runs/:id')
export class RunDataController {
  constructor(
    private readonly logBatch: LogBatchUseCase,
    private readonly deleteTag: DeleteRunTagUseCase,
    private readonly history: MetricHistoryQuery,
  ) {}

  @Post('params')
  @ApiOperation({ summary: 'Log a param (immutable: the same value again is a no-op, another value a 400)' })
  @ApiCreatedResponse({ type: LogBatchResponse })
  logParam(@Param('id') id: string, @Body() body: LogParamRequest, @Ctx() ctx: RequestContext) {
    return this.logBatch.execute(id, { params: [body] }, ctx);
  }

  @Post('metrics')
  @ApiOperation({ summary: 'Log one metric point' })
  @ApiCreatedResponse({ type: LogBatchResponse })
  logMetric(@Param('id') id: string, @Body() body: LogMetricRequest, @Ctx() ctx: RequestContext) {
    return this.logBatch.execute(id, { metrics: [body] }, ctx);
  }

  @Post('tags')
  @ApiOperation({ summary: 'Set a tag (replaces the value of an existing key)' })
  @ApiCreatedResponse({ type: LogBatchResponse })
  setTag(@Param('id') id: string, @Body() body: TagInput, @Ctx() ctx: RequestContext) {
    return this.logBatch.execute(id, { tags: [body] }, ctx);
  }

  @Delete('tags/:key')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a tag' })
  @ApiNoContentResponse()
  removeTag(@Param('id') id: string, @Param('key') key: string, @Ctx() ctx: RequestContext) {
    return this.deleteTag.execute(id, key, ctx);
  }

  @Post('log-batch')
  @ApiOperation({ summary: 'Log up to 1,000 metrics, 100 params and 100 tags in one transaction (one audit event with counts)' })
  @ApiBody({ type: LogBatchRequest })
  @ApiCreatedResponse({ type: LogBatchResponse })
  batch(@Param('id') id: string, @RawBody() body: unknown, @Ctx() ctx: RequestContext) {
    return this.logBatch.execute(id, batchCommandOf(body), ctx);
  }

  @Get('metric-history')
  @ApiOperation({ summary: 'History of one metric in step order, optionally within a step range' })
  @ApiOkResponse({ type: MetricHistoryResponse })
  metricHistory(@Param('id') id: string, @Query() q: MetricHistoryParams) {
    return this.history.execute(id, q);
  }
}
