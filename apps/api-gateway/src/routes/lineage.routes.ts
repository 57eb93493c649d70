import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponse, LINEAGE_NODE_KINDS, LineageQuery, LineageResponse } from '@shipyard/contracts';
import { RequirePermission } from '../auth/access-policy';
import { ProxyService } from '../proxy/proxy.service';

/** Lineage graphs, served by the experiments service (it owns datasets and runs and asks the registry for versions). */
@ApiTags('lineage')
@ApiResponse({ status: 503, type: ErrorResponse, description: 'The experiments service is unavailable' })
@Controller('api/v1/lineage')
export class LineageRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Get(':kind/:id')
  // One permission for the whole graph: model versions appear in it by name, version and stage only.
  @RequirePermission('experiments:read')
  @ApiOperation({ summary: 'The lineage graph (dataset → run → model version) upstream and downstream of one node, `depth` hops each way; a registry that cannot answer is a warning, not an error' })
  @ApiParam({ name: 'kind', enum: LINEAGE_NODE_KINDS })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiOkResponse({ type: LineageResponse })
  @ApiResponse({ status: 400, type: ErrorResponse, description: 'Unknown kind or invalid depth' })
  @ApiResponse({ status: 404, type: ErrorResponse, description: 'No such dataset, run or model version' })
  get(@Query() _query: LineageQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('experiments', req, reply);
  }
}
