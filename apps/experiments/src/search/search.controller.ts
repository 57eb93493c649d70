import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponse, RunPageResponse, SearchRunsRequest } from '@shipyard/contracts';
import { SearchRunsQuery } from './search-runs.query';

@ApiTags('runs')
@Controller('api/v1/runs/search')
export class SearchController {
  constructor(private readonly search: SearchRunsQuery) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Search runs with the filter DSL (AND, OR, parentheses, ORDER BY), paged by token' })
  @ApiOkResponse({ type: RunPageResponse })
  @ApiResponse({ status: 400, type: ErrorResponse, description: 'Malformed filter: details.position is the 0-based offset of the problem' })
  run(@Body() body: SearchRunsRequest) {
    return this.search.execute(body);
  }
}
