import { Controller, Delete, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiKeyPageResponse, CreateApiKeyRequest, CreatedApiKeyResponse, ErrorResponse, PageQuery } from '@shipyard/contracts';
import { Authenticated } from '../auth/access-policy';
import { ApiKeyVerifier } from '../auth/api-key-verifier';
import { ProxyService } from '../proxy/proxy.service';

/** API keys for machines and CI, served by the auth service. */
@ApiTags('api-keys')
@ApiResponse({ status: 400, type: ErrorResponse, description: 'Invalid input' })
@Controller('api/v1/api-keys')
export class ApiKeysRoutes {
  constructor(
    private readonly proxy: ProxyService,
    private readonly verifier: ApiKeyVerifier,
  ) {}

  @Post()
  @Authenticated()
  @ApiOperation({ summary: 'Create an API key (shp_<prefix>_<secret>); the secret is shown in this response only' })
  @ApiBody({ type: CreateApiKeyRequest })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiResponse({ status: 403, type: ErrorResponse, description: 'A scope exceeds your role' })
  create(@Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('auth', req, reply);
  }

  @Get()
  @Authenticated()
  @ApiOperation({ summary: 'Your API keys (never their secrets)' })
  @ApiOkResponse({ type: ApiKeyPageResponse })
  list(@Query() _q: PageQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('auth', req, reply);
  }

  @Delete(':id')
  @Authenticated()
  @ApiOperation({ summary: 'Revoke an API key (yours, or anyone’s as admin); effective immediately' })
  @ApiParam({ name: 'id', format: 'uuid' })
  @ApiNoContentResponse()
  @ApiResponse({ status: 404, type: ErrorResponse })
  async revoke(@Param('id') id: string, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    await this.proxy.forward('auth', req, reply);
    // This replica stops honouring the key now; the others drop it when the revocation event arrives.
    if (reply.statusCode === 204) this.verifier.forgetKey(id);
  }
}
