import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ChangeStageRequest, ErrorResponse, PageQuery, StageChangeResponse, StageDecisionPageResponse } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { ChangeStageUseCase } from './change-stage.use-case';
import { StageDecisionQueries } from './stage-decision.queries';

@ApiTags('model governance')
@ApiParam({ name: 'id', description: 'Model id or name' })
@ApiParam({ name: 'v', description: 'Version number' })
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model or version' })
@Controller('api/v1/models/:id/versions/:v')
export class PromotionController {
  constructor(
    private readonly changeStage: ChangeStageUseCase,
    private readonly queries: StageDecisionQueries,
  ) {}

  @Post('stage')
  @HttpCode(200)
  @ApiOperation({ summary: 'Move the version to a stage; Production needs a READY version and every gate of the model to pass' })
  @ApiOkResponse({ type: StageChangeResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'PROMOTION_BLOCKED (details: every gate with passed, actual, expected, reason), VERSION_NOT_READY or STAGE_UNCHANGED' })
  stage(@Param('id') id: string, @Param('v') v: string, @Body() body: ChangeStageRequest, @Ctx() ctx: RequestContext) {
    return this.changeStage.execute(id, v, body, ctx);
  }

  @Get('stage-decisions')
  @ApiOperation({ summary: 'Stage moves and refused promotions of the version, with their gate results, newest first' })
  @ApiOkResponse({ type: StageDecisionPageResponse })
  decisions(@Param('id') id: string, @Param('v') v: string, @Query() query: PageQuery) {
    return this.queries.list(id, v, query);
  }
}
