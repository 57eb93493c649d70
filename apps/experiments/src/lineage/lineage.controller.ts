import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponse, LINEAGE_NODE_KINDS, LineageQuery, LineageResponse } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { LineageGraphQuery } from './lineage.query';

@ApiTags('lineage')
@Controller('api/v1/lineage')
export class LineageController {
  constructor(private readonly lineage: LineageGraphQuery) {}

  @Get(':kind/:id')
  @ApiOperation({ summary: 'The lineage graph (dataset → run → model version) upstream and downstream of one node' })
  @ApiParam({ name: 'kind', enum: LINEAGE_NODE_KINDS })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: LineageResponse })
  @ApiResponse({ status: 400, type: ErrorResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  get(@Param('kind') kind: string, @Param('id') id: string, @Query() q: LineageQuery, @Ctx() ctx: RequestContext) {
    return this.lineage.execute(kind, id, q.depth, ctx.requestId);
  }
}
