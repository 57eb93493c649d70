import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponse, GatesResponse, SetGatesRequest } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { GatesQueries, SetGatesUseCase } from './set-gates.use-case';

@ApiTags('model governance')
@ApiParam({ name: 'id', description: 'Model id or name' })
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model' })
@Controller('api/v1/models/:id/gates')
export class GatesController {
  constructor(
    private readonly setGates: SetGatesUseCase,
    private readonly queries: GatesQueries,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The model’s promotion gates (none until set)' })
  @ApiOkResponse({ type: GatesResponse })
  get(@Param('id') id: string) {
    return this.queries.get(id);
  }

  @Put()
  @ApiOperation({ summary: 'Replace the model’s promotion gates: metric thresholds on the source run, a required card, required approvals' })
  @ApiOkResponse({ type: GatesResponse })
  @ApiResponse({ status: 403, type: ErrorResponse, description: 'Requires admin (checked here too, not only at the gateway)' })
  set(@Param('id') id: string, @Body() body: SetGatesRequest, @Ctx() ctx: RequestContext) {
    return this.setGates.execute(id, body, ctx);
  }
}
