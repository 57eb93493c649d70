import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AuditExportQuery, ErrorResponse } from '@shipyard/contracts';
import { ExportAuditEvents } from './export-events.use-case';

@ApiTags('audit')
@Controller('api/v1/audit')
export class AuditExportController {
  constructor(private readonly exportEvents: ExportAuditEvents) {}

  @Get('export')
  @ApiOperation({ summary: 'Export the audit trail (NDJSON or CSV), streamed, with the same filters as the events API' })
  @ApiProduces('application/x-ndjson', 'text/csv')
  @ApiResponse({ status: 200, description: 'The matching events, oldest first, one per line', schema: { type: 'string' } })
  @ApiResponse({ status: 400, type: ErrorResponse })
  @ApiResponse({ status: 503, type: ErrorResponse, description: 'Too many exports running, or the database is unavailable' })
  async export(@Query() query: AuditExportQuery, @Res() reply: FastifyReply): Promise<void> {
    const out = await this.exportEvents.execute(query);
    // Not awaited: the reply settles when the last byte is out (or the client left), long after this handler.
    void reply
      .header('content-type', out.format.contentType)
      .header('content-disposition', `attachment; filename="${out.filename}"`)
      .header('cache-control', 'no-store')
      .send(out.stream);
  }
}
