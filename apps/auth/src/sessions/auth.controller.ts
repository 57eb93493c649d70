import { Body, Controller, Get, HttpCode, Inject, Post, Req } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ErrorResponse, LoginRequest, MeResponse, RefreshRequest, SignupRequest, TokenResponse, UserResponse } from '@shipyard/contracts';
import { Ctx, RequestContext, requestIdOf } from '@shipyard/service-kit';
import { AUTH_CONFIG } from '../tokens';
import type { AuthConfig } from '../config';
import { CreateUserUseCase } from '../users/admin-users.use-cases';
import { authError } from '../users/user.errors';
import { toUserResponse, UsersRepository } from '../users/users.repository';
import { LoginUseCase, LogoutUseCase, RefreshUseCase } from './session.use-cases';

@ApiTags('auth')
@ApiResponse({ status: 400, type: ErrorResponse })
@Controller('api/v1/auth')
export class AuthController {
  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    private readonly login: LoginUseCase,
    private readonly refresh: RefreshUseCase,
    private readonly logout: LogoutUseCase,
    private readonly createUser: CreateUserUseCase,
    private readonly users: UsersRepository,
  ) {}

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange email and password for an access token and a refresh token' })
  @ApiOkResponse({ type: TokenResponse })
  @ApiResponse({ status: 401, type: ErrorResponse, description: 'Wrong email or password (never says which)' })
  @ApiResponse({ status: 429, type: ErrorResponse, description: 'Too many attempts; see Retry-After' })
  logIn(@Body() body: LoginRequest, @Req() req: FastifyRequest) {
    return this.login.execute(body, { ip: req.ip ?? null, requestId: requestIdOf(req) });
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a refresh token: returns new tokens; the old refresh token is spent' })
  @ApiOkResponse({ type: TokenResponse })
  @ApiResponse({ status: 401, type: ErrorResponse })
  rotate(@Body() body: RefreshRequest, @Req() req: FastifyRequest): Promise<TokenResponse> {
    return this.refresh.execute(body.refreshToken, requestIdOf(req));
  }

  @Post('logout')
  @HttpCode(204)
  @ApiOperation({ summary: 'End the session the refresh token belongs to' })
  @ApiNoContentResponse()
  logOut(@Body() body: RefreshRequest, @Req() req: FastifyRequest) {
    return this.logout.execute(body.refreshToken, requestIdOf(req));
  }

  @Post('signup')
  @ApiOperation({ summary: 'Self-service account (role viewer; a role in the body is refused); only when SHIPYARD_ALLOW_SIGNUP=true' })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiResponse({ status: 403, type: ErrorResponse })
  signUp(@Body() body: SignupRequest, @Req() req: FastifyRequest) {
    if (!this.config.SHIPYARD_ALLOW_SIGNUP) throw authError.signupDisabled();
    return this.createUser.execute({ email: body.email, password: body.password, role: 'viewer', displayName: body.displayName }, { actor: { type: 'system', id: 'signup' }, requestId: requestIdOf(req) });
  }

  @Get('me')
  @ApiOperation({ summary: 'The authenticated principal: user, role, effective permissions' })
  @ApiOkResponse({ type: MeResponse })
  async me(@Ctx() ctx: RequestContext): Promise<MeResponse> {
    const user = await this.users.byId(this.users.manager(), ctx.userId);
    if (!user) throw authError.userNotFound(ctx.userId);
    return { ...toUserResponse(user), permissions: [...ctx.permissions], via: ctx.actor.type === 'api_key' ? 'api_key' : 'user', ...(ctx.actor.type === 'api_key' ? { apiKeyId: ctx.actor.id } : {}) };
  }
}
