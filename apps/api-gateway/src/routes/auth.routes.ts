import { Controller, Get, Post, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorResponse, LoginRequest, MeResponse, RefreshRequest, SignupRequest, TokenResponse, UserResponse } from '@shipyard/contracts';
import { Authenticated, Public } from '../auth/access-policy';
import { ProxyService } from '../proxy/proxy.service';

/** Sign-in and sessions, served by the auth service. */
@ApiTags('auth')
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@ApiResponse({ status: 503, type: ErrorResponse, description: 'The auth service is unavailable' })
@Controller()
export class AuthRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Post('api/v1/auth/login')
  @Public({ login: true })
  @ApiOperation({ summary: 'Exchange email and password for an access token and a refresh token' })
  @ApiBody({ type: LoginRequest })
  @ApiOkResponse({ type: TokenResponse })
  @ApiResponse({ status: 401, type: ErrorResponse, description: 'Wrong email or password (never says which)' })
  @ApiResponse({ status: 429, type: ErrorResponse, description: 'Too many attempts from this IP or on this account; see Retry-After' })
  login(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('auth', req, reply);
  }

  @Post('api/v1/auth/refresh')
  @Public({ login: true })
  @ApiOperation({ summary: 'Rotate a refresh token: new tokens; the presented refresh token is spent (reuse revokes the session)' })
  @ApiBody({ type: RefreshRequest })
  @ApiOkResponse({ type: TokenResponse })
  @ApiResponse({ status: 401, type: ErrorResponse })
  refresh(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('auth', req, reply);
  }

  @Post('api/v1/auth/logout')
  @Public({ login: true })
  @ApiOperation({ summary: 'End the session a refresh token belongs to' })
  @ApiBody({ type: RefreshRequest })
  @ApiNoContentResponse()
  logout(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('auth', req, reply);
  }

  @Post('api/v1/auth/signup')
  @Public({ login: true })
  @ApiOperation({ summary: 'Self-service account with role viewer (only when SHIPYARD_ALLOW_SIGNUP=true); a role in the body is refused (400)' })
  @ApiBody({ type: SignupRequest })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiResponse({ status: 403, type: ErrorResponse, description: 'Signup is disabled' })
  signup(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('auth', req, reply);
  }

  @Get('api/v1/auth/me')
  @Authenticated()
  @ApiOperation({ summary: 'Who am I: user, role and effective permissions of the credential used' })
  @ApiOkResponse({ type: MeResponse })
  me(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('auth', req, reply);
  }

  @Get('.well-known/jwks.json')
  @Public()
  @ApiOperation({ summary: 'Public keys that verify Shipyard access tokens (JWKS)' })
  @ApiOkResponse({ description: 'JSON Web Key Set' })
  jwks(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('auth', req, reply);
  }
}
