import { Controller, Delete, Get, HttpCode, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  ALIAS_PARAM_DESCRIPTION, AliasResponse, CardResponse, ChangeStageRequest, CompareResponse, CompareVersionsQuery, ErrorResponse, GatesResponse, PageQuery, PutCardRequest, ReviewDecisionRequest,
  ReviewPageResponse, ReviewResponse, SetAliasRequest, SetGatesRequest, StageChangeResponse, StageDecisionPageResponse, SubmitReviewRequest,
} from '@shipyard/contracts';
import { RequirePermission } from '../auth/access-policy';
import { ProxyService } from '../proxy/proxy.service';

const ModelParam = () => ApiParam({ name: 'id', description: 'Model id or name' });
const VersionParam = () => ApiParam({ name: 'v', description: 'Version number' });

/** Aliases, stages, gates, reviews, model cards and compare: served by the registry service. */
@ApiTags('model governance')
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model, version, alias, review or card' })
@ApiResponse({ status: 503, type: ErrorResponse, description: 'The registry service is unavailable' })
@Controller('api/v1/models/:id')
export class ModelGovernanceRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Put('aliases/:alias')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Point an alias at a version (creates or moves it; one event either way)' })
  @ModelParam() @ApiParam({ name: 'alias', description: ALIAS_PARAM_DESCRIPTION })
  @ApiBody({ type: SetAliasRequest })
  @ApiOkResponse({ type: AliasResponse })
  setAlias(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Delete('aliases/:alias')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Remove an alias' })
  @ModelParam() @ApiParam({ name: 'alias', description: ALIAS_PARAM_DESCRIPTION })
  @ApiNoContentResponse()
  deleteAlias(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Post('versions/:v/stage')
  @HttpCode(200)
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Move a version to a stage; Production needs a READY version and every gate of the model to pass' })
  @ModelParam() @VersionParam()
  @ApiBody({ type: ChangeStageRequest })
  @ApiOkResponse({ type: StageChangeResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'PROMOTION_BLOCKED (details: every gate with passed, actual, expected, reason; the attempt is recorded), VERSION_NOT_READY or STAGE_UNCHANGED' })
  changeStage(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get('versions/:v/stage-decisions')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'Stage moves and refused promotions of a version, with their gate results, newest first' })
  @ModelParam() @VersionParam()
  @ApiOkResponse({ type: StageDecisionPageResponse })
  stageDecisions(@Query() _query: PageQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get('gates')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'The model’s promotion gates (none until set)' })
  @ModelParam()
  @ApiOkResponse({ type: GatesResponse })
  getGates(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Put('gates')
  // Gates are the policy a promotion must meet, so whoever can promote (models:write: data scientists and
  // approvers alike) must not be able to switch them off. Not models:approve either: an approver can also
  // promote, and could drop requiredApprovals to promote a version nobody else reviewed (four eyes).
  // Only `admin` (admin users, and admin keys with the admin scope); the registry re-checks it.
  @RequirePermission('admin')
  @ApiOperation({ summary: 'Replace the model’s promotion gates: metric thresholds on the source run, a required approved card, required approvals' })
  @ModelParam()
  @ApiBody({ type: SetGatesRequest })
  @ApiOkResponse({ type: GatesResponse })
  setGates(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Post('versions/:v/reviews')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Submit a version for review' })
  @ModelParam() @VersionParam()
  @ApiBody({ type: SubmitReviewRequest, required: false })
  @ApiCreatedResponse({ type: ReviewResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'A review of this version is already open' })
  submitReview(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get('versions/:v/reviews')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'Reviews of a version with their decisions, newest first' })
  @ModelParam() @VersionParam()
  @ApiOkResponse({ type: ReviewPageResponse })
  listReviews(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Post('versions/:v/reviews/:reviewId/decision')
  @HttpCode(200)
  @RequirePermission('models:approve')
  @ApiOperation({ summary: 'Approve or reject a review, with a comment (never one you submitted)' })
  @ModelParam() @VersionParam() @ApiParam({ name: 'reviewId', format: 'uuid' })
  @ApiBody({ type: ReviewDecisionRequest })
  @ApiOkResponse({ type: ReviewResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'The review is closed, or you already decided it' })
  decideReview(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get('versions/:v/card')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'A version’s model card' })
  @ModelParam() @VersionParam()
  @ApiOkResponse({ type: CardResponse })
  getCard(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Put('versions/:v/card')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Create or edit a model card (content only in Draft), optionally moving its status; approving needs models:approve and not being the submitter' })
  @ModelParam() @VersionParam()
  @ApiBody({ type: PutCardRequest })
  @ApiOkResponse({ type: CardResponse, description: 'Updated' })
  @ApiCreatedResponse({ type: CardResponse, description: 'Created' })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'CARD_NOT_EDITABLE, INVALID_CARD_TRANSITION or CARD_INCOMPLETE' })
  putCard(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get('versions/:v/card.md')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'A version’s model card rendered as Markdown' })
  @ModelParam() @VersionParam()
  @ApiProduces('text/markdown')
  @ApiOkResponse({ schema: { type: 'string' } })
  cardMarkdown(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get('versions/compare')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'Compare two versions (by number or alias): params and metrics of their source runs, signature, artifact, stage, aliases, card status' })
  @ModelParam()
  @ApiOkResponse({ type: CompareResponse })
  compare(@Query() _query: CompareVersionsQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }
}
