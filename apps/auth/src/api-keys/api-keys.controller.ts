import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AdminApiKeysQuery, ApiKeyPageResponse, CreateApiKeyRequest, CreatedApiKeyResponse, ErrorResponse, PageQuery, VerifyApiKeyRequest } from '@shipyard/contracts';
import { Ctx, RequestContext } from '@shipyard/service-kit';
import { requireAdmin } from '../users/admin-users.controller';
import { authError } from '../users/user.errors';
import { ApiKeysService } from './api-keys.service';

@ApiTags('api-keys')
@ApiResponse({ status: 400, type: ErrorResponse })
@Controller('api/v1/api-keys')
export class ApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post()
  @ApiOperation({ summary: 'Create an API key for yourself; the key is in this response only' })
  @ApiCreatedResponse({ type: CreatedApiKeyResponse })
  @ApiResponse({ status: 403, type: ErrorResponse, description: 'A scope exceeds your role' })
  create(@Body() body: CreateApiKeyRequest, @Ctx() ctx: RequestContext) {
    return this.keys.create(body, ctx);
  }

  @Get()
  @ApiOperation({ summary: 'Your API keys (never their secrets)' })
  @ApiOkResponse({ type: ApiKeyPageResponse })
  list(@Query() q: PageQuery, @Ctx() ctx: RequestContext) {
    return this.keys.list(q, ctx.userId);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke an API key (yours, or anyone’s as admin); effective at once' })
  @ApiNoContentResponse()
  @ApiResponse({ status: 404, type: ErrorResponse })
  revoke(@Param('id') id: string, @Ctx() ctx: RequestContext) {
    return this.keys.revoke(id, ctx);
  }
}

@ApiTags('admin')
@Controller('api/v1/admin/api-keys')
export class AdminApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Get()
  @ApiOperation({ summary: 'Everyone’s API keys, or one user’s' })
  @ApiOkResponse({ type: ApiKeyPageResponse })
  list(@Query() q: AdminApiKeysQuery, @Ctx() ctx: RequestContext) {
    requireAdmin(ctx);
    return this.keys.list(q, q.ownerId ?? null);
  }
}

class VerifiedApiKeyResponse {
  @ApiProperty() keyId!: string;
  @ApiProperty() userId!: string;
  @ApiProperty() role!: string;
  @ApiProperty({ type: [String] }) scopes!: string[];
  @ApiProperty({ nullable: true, type: String }) expiresAt!: string | null;
}

/** Service-to-service only: the gateway has no public route here (NetworkPolicy keeps it internal). */
@ApiTags('internal')
@Controller('internal/v1/api-keys')
export class InternalApiKeysController {
  constructor(private readonly keys: ApiKeysService) {}

  @Post('verify')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resolve an API key to its owner, role and scopes (for the gateway)' })
  @ApiOkResponse({ type: VerifiedApiKeyResponse })
  @ApiResponse({ status: 401, type: ErrorResponse })
  async verify(@Body() body: VerifyApiKeyRequest) {
    const verified = await this.keys.verify(body.key);
    if (!verified) throw authError.invalidApiKey();
    return verified;
  }
}
