import { Controller, Get, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AdminApiKeysQuery, ApiKeyPageResponse, CreateUserRequest, ErrorResponse, PageQuery, ResetPasswordRequest, UpdateUserRequest, UserPageResponse, UserResponse } from '@shipyard/contracts';
import { RequirePermission } from '../auth/access-policy';
import { ProxyService } from '../proxy/proxy.service';

/** User and key administration, served by the auth service. */
@ApiTags('admin')
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@Controller('api/v1/admin')
export class AdminRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Get('users')
  @RequirePermission('admin')
  @ApiOperation({ summary: 'List users' })
  @ApiOkResponse({ type: UserPageResponse })
  listUsers(@Query() _q: PageQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('auth', req, reply);
  }

  @Post('users')
  @RequirePermission('admin')
  @ApiOperation({ summary: 'Create a user with a role' })
  @ApiBody({ type: CreateUserRequest })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'Email already in use' })
  createUser(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('auth', req, reply);
  }

  @Patch('users/:id')
  @RequirePermission('admin')
  @ApiOperation({ summary: 'Change role, disable or enable a user (disabling stops their refresh tokens and API keys at once)' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({ type: UpdateUserRequest })
  @ApiOkResponse({ type: UserResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'Would leave no enabled administrator' })
  updateUser(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('auth', req, reply);
  }

  @Post('users/:id/password')
  @RequirePermission('admin')
  @ApiOperation({ summary: 'Set a new password for a user; ends their sessions' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiBody({ type: ResetPasswordRequest })
  @ApiNoContentResponse()
  @ApiResponse({ status: 404, type: ErrorResponse })
  resetPassword(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('auth', req, reply);
  }

  @Get('api-keys')
  @RequirePermission('admin')
  @ApiOperation({ summary: 'Everyone’s API keys (filter with ownerId); revoke with DELETE /api/v1/api-keys/{id}' })
  @ApiOkResponse({ type: ApiKeyPageResponse })
  listApiKeys(@Query() _q: AdminApiKeysQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('auth', req, reply);
  }
}
