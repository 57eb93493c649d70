import { Controller, Get, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuditEventPageResponse, AuditEventsQuery, ErrorResponse } from '@shipyard/contracts';
import { ProxyService } from '../proxy/proxy.service';

/** The audit trail, served by the audit service. */
@ApiTags('audit')
@ApiResponse({ status: 400, type: ErrorResponse })
@ApiResponse({ status: 503, type: ErrorResponse, description: 'The audit service is unavailable' })
@Controller('api/v1/audit')
export class AuditRoutes {
  constructor(private readonly proxy: ProxyService) {}

  @Get('events')
  @ApiOperation({ summary: 'Read the audit trail, oldest first, with filters and cursor pagination' })
  @ApiOkResponse({ type: AuditEventPageResponse })
  events(@Query() _query: AuditEventsQuery, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.proxy.forward('audit', req, reply);
  }
}
