import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreateVersionRequest, ErrorResponse, ListVersionsQuery, UpdateVersionRequest, VersionPageResponse, VersionResponse } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { CreateVersionUseCase } from './create-version.use-case';
import { DeleteVersionUseCase } from './delete-version.use-case';
import { UpdateVersionUseCase } from './update-version.use-case';
import { VersionQueries } from './version.queries';

@ApiTags('model versions')
@ApiParam({ name: 'id', description: 'Model id or name' })
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 404, type: ErrorResponse, description: 'No such model or version' })
@Controller('api/v1/models/:id/versions')
export class VersionsController {
  constructor(
    private readonly createVersion: CreateVersionUseCase,
    private readonly updateVersion: UpdateVersionUseCase,
    private readonly deleteVersion: DeleteVersionUseCase,
    private readonly queries: VersionQueries,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Create the next version (PENDING_UPLOAD until its artifact is uploaded)' })
  @ApiCreatedResponse({ type: VersionResponse })
  create(@Param('id') id: string, @Body() body: CreateVersionRequest, @Ctx() ctx: RequestContext) {
    return this.createVersion.execute(id, body, ctx);
  }

  @Get()
  @ApiOperation({ summary: 'List versions, newest first, filtered by stage, status or alias' })
  @ApiOkResponse({ type: VersionPageResponse })
  list(@Param('id') id: string, @Query() query: ListVersionsQuery) {
    return this.queries.list(id, query);
  }

  @Get(':v')
  @ApiOperation({ summary: 'Get one version' })
  @ApiParam({ name: 'v', description: 'Version number' })
  @ApiOkResponse({ type: VersionResponse })
  get(@Param('id') id: string, @Param('v') v: string) {
    return this.queries.get(id, v);
  }

  @Patch(':v')
  @ApiOperation({ summary: 'Change a version’s description or tags (all else is immutable)' })
  @ApiParam({ name: 'v', description: 'Version number' })
  @ApiOkResponse({ type: VersionResponse })
  update(@Param('id') id: string, @Param('v') v: string, @Body() body: UpdateVersionRequest, @Ctx() ctx: RequestContext) {
    return this.updateVersion.execute(id, v, body, ctx);
  }

  @Delete(':v')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a version (soft: the row, its number and its history stay; its aliases are removed)' })
  @ApiParam({ name: 'v', description: 'Version number' })
  @ApiNoContentResponse()
  remove(@Param('id') id: string, @Param('v') v: string, @Ctx() ctx: RequestContext) {
    return this.deleteVersion.execute(id, v, ctx);
  }
}
