import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { DeployModelRequest, ErrorResponse, ServedModelListResponse, ServedModelResponse } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { ModelManager } from '../models/model-manager';
import { DeployModelUseCase } from './deploy-model.use-case';
import { toServedModelResponse } from './served-model.mapper';
import { UndeployModelUseCase } from './undeploy-model.use-case';

@ApiTags('inference')
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@Controller('api/v1/inference/models')
export class DeploymentsController {
  constructor(
    private readonly models: ModelManager,
    private readonly deploy: DeployModelUseCase,
    private readonly undeploy: UndeployModelUseCase,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Load, warm and serve a registry model version (by version, alias, stage or newest); swaps atomically if the model is already served' })
  @ApiCreatedResponse({ type: ServedModelResponse })
  @ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model or version in the registry' })
  @ApiResponse({ status: 503, type: ErrorResponse, description: 'The registry or the artifact store is unavailable' })
  create(@Body() body: DeployModelRequest, @Ctx() ctx: RequestContext) {
    return this.deploy.execute(body, ctx);
  }

  @Get()
  @ApiOperation({ summary: 'What this replica serves, with state, version and signature' })
  @ApiOkResponse({ type: ServedModelListResponse })
  list(): ServedModelListResponse {
    return { items: this.models.list().map(toServedModelResponse), nextCursor: null };
  }

  @Delete(':name')
  @HttpCode(204)
  @ApiOperation({ summary: "Remove a model's deployment on every replica: it stops being served (requests in flight finish first), or goes back to its SHIPYARD_INFERENCE_MODELS reference when configured" })
  @ApiNoContentResponse()
  @ApiResponse({ status: 404, type: ErrorResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'Served only from SHIPYARD_INFERENCE_MODELS: remove it there' })
  remove(@Param('name') name: string, @Ctx() ctx: RequestContext) {
    return this.undeploy.execute(name, ctx);
  }
}
