import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponse, ReviewDecisionRequest, ReviewPageResponse, ReviewResponse, SubmitReviewRequest } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { DecideReviewUseCase } from './decide-review.use-case';
import { ReviewQueries } from './review.queries';
import { SubmitReviewUseCase } from './submit-review.use-case';

@ApiTags('model governance')
@ApiParam({ name: 'id', description: 'Model id or name' })
@ApiParam({ name: 'v', description: 'Version number' })
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model, version or review' })
@Controller('api/v1/models/:id/versions/:v/reviews')
export class ReviewsController {
  constructor(
    private readonly submitReview: SubmitReviewUseCase,
    private readonly decideReview: DecideReviewUseCase,
    private readonly queries: ReviewQueries,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Submit the version for review' })
  @ApiCreatedResponse({ type: ReviewResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'A review of this version is already open' })
  submit(@Param('id') id: string, @Param('v') v: string, @Body() body: SubmitReviewRequest, @Ctx() ctx: RequestContext) {
    return this.submitReview.execute(id, v, body, ctx);
  }

  @Get()
  @ApiOperation({ summary: 'Reviews of the version with their decisions, newest first' })
  @ApiOkResponse({ type: ReviewPageResponse })
  list(@Param('id') id: string, @Param('v') v: string) {
    return this.queries.list(id, v);
  }

  @Post(':reviewId/decision')
  @HttpCode(200)
  @ApiOperation({ summary: 'Approve or reject a review (never one you submitted)' })
  @ApiParam({ name: 'reviewId', format: 'uuid' })
  @ApiOkResponse({ type: ReviewResponse })
  @ApiResponse({ status: 403, type: ErrorResponse, description: 'You submitted this review' })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'The review is closed, or you already decided it' })
  decide(@Param('id') id: string, @Param('v') v: string, @Param('reviewId') reviewId: string, @Body() body: ReviewDecisionRequest, @Ctx() ctx: RequestContext) {
    return this.decideReview.execute(id, v, reviewId, body, ctx);
  }
}
