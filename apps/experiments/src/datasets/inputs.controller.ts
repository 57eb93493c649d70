import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ErrorResponse, LogInputsRequest, RunResponse } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { LogInputsUseCase } from './log-inputs.use-case';

@ApiTags('runs')
@Controller('api/v1/runs/:id/inputs')
export class InputsController {
  constructor(private readonly logInputs: LogInputsUseCase) {}

  @Post()
  @HttpCode(200)
  @ApiOperation({ summary: 'Link datasets (name + digest, with schema, row count and profile) to a run as training/validation/test inputs' })
  @ApiOkResponse({ type: RunResponse })
  @ApiResponse({ status: 400, type: ErrorResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  log(@Param('id') id: string, @Body() body: LogInputsRequest, @Ctx() ctx: RequestContext) {
    return this.logInputs.execute(id, { datasets: body.datasets }, ctx);
  }
}
