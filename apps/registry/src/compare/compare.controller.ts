import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CompareVersionsQuery, CompareResponse, ErrorResponse } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { CompareQueries } from './compare.queries';

@ApiTags('model governance')
@Controller('api/v1/models/:id/versions/compare')
export class CompareController {
  constructor(private readonly queries: CompareQueries) {}

  @Get()
  @ApiOperation({ summary: 'Compare two versions: params and metrics of their source runs, signature, artifact, stage, aliases, card status' })
  @ApiParam({ name: 'id', description: 'Model id or name' })
  @ApiOkResponse({ type: CompareResponse })
  @ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
  @ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model, version or alias' })
  compare(@Param('id') id: string, @Query() query: CompareVersionsQuery, @Ctx() ctx: RequestContext) {
    return this.queries.compare(id, query, ctx.requestId);
  }
}
