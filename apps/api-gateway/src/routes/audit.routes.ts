import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditEventPageResponse, AuditEventsQuery, AuditExportQuery, AuditVerifyQuery, AuditVerifyResponse, ErrorResponse } from '@shipyard/contracts';
import { RequirePermission } from '../auth/access-policy';
import { ProxyService } from '../proxy/proxy.service';

/** The audit trail, served by the audit service. */
@ApiTags('audit')
@ApiResponse({ status: 400, type: ErrorResponse })
@ApiResponse({ status: 503, type: ErrorResponse, description: 'The audit service is unavailable' })
@Controller('api/v1/audit')
export class AuditRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Get('events')
  @RequirePermission('audit:read')
  @ApiOperation({ summary: 'Read the audit trail, oldest first, with filters and cursor pagination' })
  @ApiOkResponse({ type: AuditEventPageResponse })
  events(@Query() _query: AuditEventsQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('audit', req, reply);
  }

  @Get('verify')
  @RequirePermission('audit:read')
  @ApiOperation({ summary: 'Recompute the hash chain over a seq range and check it against the newest anchor' })
  @ApiOkResponse({ type: AuditVerifyResponse })
  verify(@Query() _query: AuditVerifyQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('audit', req, reply);
  }

  /** The body streams through the proxy as the audit service writes it; the gateway holds no more than a socket buffer. */
  @Get('export')
  @RequirePermission('audit:read')
  @ApiOperation({ summary: 'Export the audit trail (NDJSON or CSV), streamed, with the same filters as the events API' })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiOkResponse({ description: 'The matching events, oldest first, one per line; Content-Disposition names the file', schema: { type: 'string' } })
  export(@Query() _query: AuditExportQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('audit', req, reply);
  }
}
