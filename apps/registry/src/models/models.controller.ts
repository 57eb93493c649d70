import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreateModelRequest, ErrorResponse, ListModelsQuery, ModelPageResponse, ModelResponse, UpdateModelRequest } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { CreateModelUseCase } from './create-model.use-case';
import { DeleteModelUseCase } from './delete-model.use-case';
import { ModelQueries } from './model.queries';
import { RestoreModelUseCase } from './restore-model.use-case';
import { UpdateModelUseCase } from './update-model.use-case';

@ApiTags('models')
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@Controller('api/v1/models')
export class ModelsController {
  constructor(
    private readonly createModel: CreateModelUseCase,
    private readonly updateModel: UpdateModelUseCase,
    private readonly deleteModel: DeleteModelUseCase,
    private readonly queries: ModelQueries,
    private readonly restoreModel: RestoreModelUseCase,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Register a model' })
  @ApiCreatedResponse({ type: ModelResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'A live model already has this name' })
  create(@Body() body: CreateModelRequest, @Ctx() ctx: RequestContext) {
    return this.createModel.execute(body, ctx);
  }

  @Get()
  @ApiOperation({ summary: 'List models, newest first, with cursor pagination' })
  @ApiOkResponse({ type: ModelPageResponse })
  list(@Query() query: ListModelsQuery) {
    return this.queries.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a model by id or name' })
  @ApiOkResponse({ type: ModelResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  get(@Param('id') id: string) {
    return this.queries.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change name, description or tags' })
  @ApiOkResponse({ type: ModelResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  @ApiResponse({ status: 409, type: ErrorResponse })
  update(@Param('id') id: string, @Body() body: UpdateModelRequest, @Ctx() ctx: RequestContext) {
    return this.updateModel.execute(id, body, ctx);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a model (soft: history and audit remain)' })
  @ApiNoContentResponse()
  @ApiResponse({ status: 404, type: ErrorResponse })
  remove(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return this.deleteModel.execute(id, ctx);
  }

  @Post(':id/restore')
  @HttpCode(200)
  @ApiOperation({ summary: 'Restore a soft-deleted model (by id)' })
  @ApiOkResponse({ type: ModelResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'A live model has taken its name meanwhile' })
  restore(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return this.restoreModel.execute(id, ctx);
  }
}
