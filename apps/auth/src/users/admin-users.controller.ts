import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreateUserRequest, ErrorResponse, PageQuery, ResetPasswordRequest, UpdateUserRequest, UserPageResponse, UserResponse } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { CreateUserUseCase, ListUsersQuery, ResetPasswordUseCase, UpdateUserUseCase } from './admin-users.use-cases';
import { authError } from './user.errors';

/** The gateway already demands `admin`; checked here again so the service is safe on its own. */
export function requireAdmin(ctx: RequestContext): void {
  if (!ctx.permissions.has('admin')) throw authError.forbidden('requires the admin permission');
}

@ApiTags('admin')
@ApiResponse({ status: 400, type: ErrorResponse })
@ApiResponse({ status: 403, type: ErrorResponse })
@Controller('api/v1/admin/users')
export class AdminUsersController {
  constructor(
    private readonly createUser: CreateUserUseCase,
    private readonly updateUser: UpdateUserUseCase,
    private readonly resetPassword: ResetPasswordUseCase,
    private readonly listUsers: ListUsersQuery,
  ) {}

  @Get()
  @ApiOperation({ summary: 'List users' })
  @ApiOkResponse({ type: UserPageResponse })
  list(@Query() q: PageQuery, @Ctx() ctx: RequestContext) {
    requireAdmin(ctx);
    return this.listUsers.execute(q);
  }

  @Post()
  @ApiOperation({ summary: 'Create a user with a role' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiResponse({ status: 409, type: ErrorResponse })
  create(@Body() body: CreateUserRequest, @Ctx() ctx: RequestContext) {
    requireAdmin(ctx);
    return this.createUser.execute(body, ctx);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change role, disable or enable (disabling stops refresh tokens and API keys at once)' })
  @ApiOkResponse({ type: UserResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'Would leave no enabled admin' })
  update(@Param('id') id: string, @Body() body: UpdateUserRequest, @Ctx() ctx: RequestContext) {
    requireAdmin(ctx);
    return this.updateUser.execute(id, body, ctx);
  }

  @Post(':id/password')
  @HttpCode(204)
  @ApiOperation({ summary: 'Set a new password; ends the user’s sessions' })
  @ApiNoContentResponse()
  @ApiResponse({ status: 404, type: ErrorResponse })
  reset(@Param('id') id: string, @Body() body: ResetPasswordRequest, @Ctx() ctx: RequestContext) {
    requireAdmin(ctx);
    return this.resetPassword.execute(id, body.password, ctx);
  }
}
