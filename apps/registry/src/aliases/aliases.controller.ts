import { Body, Controller, Delete, HttpCode, Param, Put } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { ALIAS_PARAM_DESCRIPTION, AliasResponse, ErrorResponse, SetAliasRequest } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { DeleteAliasUseCase } from './delete-alias.use-case';
import { SetAliasUseCase } from './set-alias.use-case';

@ApiTags('model governance')
@ApiParam({ name: 'id', description: 'Model id or name' })
@ApiParam({ name: 'alias', description: ALIAS_PARAM_DESCRIPTION })
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model, version or alias' })
@Controller('api/v1/models/:id/aliases')
export class AliasesController {
  constructor(
    private readonly setAlias: SetAliasUseCase,
    private readonly deleteAlias: DeleteAliasUseCase,
  ) {}

  @Put(':alias')
  @ApiOperation({ summary: 'Point an alias at a version (creates or moves it)' })
  @ApiOkResponse({ type: AliasResponse })
  set(@Param('id') id: string, @Param('alias') alias: string, @Body() body: SetAliasRequest, @Ctx() ctx: RequestContext) {
    return this.setAlias.execute(id, alias, body, ctx);
  }

  @Delete(':alias')
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove an alias' })
  @ApiNoContentResponse()
  remove(@Param('id') id: string, @Param('alias') alias: string, @Ctx() ctx: RequestContext) {
    return this.deleteAlias.execute(id, alias, ctx);
  }
}
