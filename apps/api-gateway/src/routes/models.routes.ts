import { Controller, Delete, Get, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { CreateModelRequest, ErrorResponse, ListModelsQuery, ModelPageResponse, ModelResponse, UpdateModelRequest } from '@shipyard/contracts';
import { RequirePermission } from '../auth/access-policy';
import { ProxyService } from '../proxy/proxy.service';

/** Public model routes, served by the registry service. */
@ApiTags('models')
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 503, type: ErrorResponse, description: 'The registry service is unavailable' })
@Controller('api/v1/models')
export class ModelsRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Post()
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Register a model' })
  @ApiBody({ type: CreateModelRequest })
  @ApiCreatedResponse({ type: ModelResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'A live model already has this name' })
  create(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get()
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'List models, newest first, with cursor pagination' })
  @ApiOkResponse({ type: ModelPageResponse })
  list(@Query() _query: ListModelsQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Get(':id')
  @RequirePermission('models:read')
  @ApiOperation({ summary: 'Get a model by id or name' })
  @ApiParam({ name: 'id', description: 'Model id or name' })
  @ApiOkResponse({ type: ModelResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  get(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Patch(':id')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Change name, description or tags' })
  @ApiParam({ name: 'id', description: 'Model id or name' })
  @ApiBody({ type: UpdateModelRequest })
  @ApiOkResponse({ type: ModelResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  @ApiResponse({ status: 409, type: ErrorResponse })
  update(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Delete(':id')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Delete a model (soft: history and audit remain)' })
  @ApiParam({ name: 'id', description: 'Model id or name' })
  @ApiNoContentResponse()
  @ApiResponse({ status: 404, type: ErrorResponse })
  remove(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }

  @Post(':id/restore')
  @RequirePermission('models:write')
  @ApiOperation({ summary: 'Restore a soft-deleted model (by id)' })
  @ApiParam({ name: 'id', description: 'Model id (names of deleted models can be reused)' })
  @ApiOkResponse({ type: ModelResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'A live model has taken its name meanwhile' })
  restore(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('registry', req, reply);
  }
}
