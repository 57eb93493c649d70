import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuditEventPageResponse, AuditEventsQuery, ErrorResponse } from '@shipyard/contracts';
import { AuditEventsQueryService } from './audit-events.query';

@ApiTags('audit')
@Controller('api/v1/audit')
export class AuditEventsController {
  constructor(private readonly events: AuditEventsQueryService) {}

  @Get('events')
  @ApiOperation({ summary: 'Read the audit trail, oldest first, with filters and cursor pagination' })
  @ApiOkResponse({ type: AuditEventPageResponse })
  @ApiResponse({ status: 400, type: ErrorResponse })
  list(@Query() query: AuditEventsQuery) {
    return this.events.list(query);
  }
}
