import { Body, Controller, Get, Header, Param, Put, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { CardResponse, ErrorResponse, PutCardRequest } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { renderCardMarkdown } from './card-markdown';
import { CardQueries } from './card.queries';
import { PutCardUseCase } from './put-card.use-case';

@ApiTags('model governance')
@ApiParam({ name: 'id', description: 'Model id or name' })
@ApiParam({ name: 'v', description: 'Version number' })
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model, version or card' })
@Controller('api/v1/models/:id/versions/:v')
export class CardsController {
  constructor(
    private readonly putCard: PutCardUseCase,
    private readonly queries: CardQueries,
  ) {}

  @Get('card')
  @ApiOperation({ summary: 'The version’s model card' })
  @ApiOkResponse({ type: CardResponse })
  get(@Param('id') id: string, @Param('v') v: string) {
    return this.queries.get(id, v);
  }

  @Get('card.md')
  @Header('content-type', 'text/markdown; charset=utf-8')
  @ApiOperation({ summary: 'The version’s model card rendered as Markdown' })
  @ApiProduces('text/markdown')
  @ApiOkResponse({ schema: { type: 'string' } })
  async markdown(@Param('id') id: string, @Param('v') v: string) {
    return renderCardMarkdown(await this.queries.get(id, v));
  }

  @Put('card')
  @ApiOperation({ summary: 'Create or edit the model card (content only in Draft), optionally moving its status' })
  @ApiOkResponse({ type: CardResponse, description: 'Updated' })
  @ApiResponse({ status: 201, type: CardResponse, description: 'Created' })
  @ApiResponse({ status: 403, type: ErrorResponse, description: 'Approving needs models:approve and someone other than the submitter' })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'Not editable in this status, or a transition the state machine refuses' })
  async put(@Param('id') id: string, @Param('v') v: string, @Body() body: PutCardRequest, @Ctx() ctx: RequestContext, @Res({ passthrough: true }) reply: FastifyReply) {
    const { created, card } = await this.putCard.execute(id, v, body, ctx);
    void reply.status(created ? 201 : 200);
    return card;
  }
}
