import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AuditVerifyQuery, AuditVerifyResponse, ErrorResponse } from '@shipyard/contracts';
import { VerifyChain, VerifyResult } from './verify-chain.use-case';

@ApiTags('audit')
@Controller('api/v1/audit')
export class AuditChainController {
  constructor(private readonly verifyChain: VerifyChain) {}

  @Get('verify')
  @ApiOperation({ summary: 'Recompute the hash chain over a seq range and check it against the newest anchor' })
  @ApiOkResponse({ type: AuditVerifyResponse })
  @ApiResponse({ status: 400, type: ErrorResponse })
  async verify(@Query() query: AuditVerifyQuery): Promise<AuditVerifyResponse> {
    return toResponse(await this.verifyChain.execute({ ...(query.from !== undefined ? { from: query.from } : {}), ...(query.to !== undefined ? { to: query.to } : {}) }));
  }
}

function toResponse(r: VerifyResult): AuditVerifyResponse {
  return {
    ok: r.ok,
    checked: r.checked,
    fromSeq: r.fromSeq,
    toSeq: r.toSeq,
    ...(r.firstBrokenSeq !== undefined ? { firstBrokenSeq: r.firstBrokenSeq } : {}),
    ...(r.reason !== undefined ? { reason: r.reason } : {}),
    anchor: r.anchor ? { seq: r.anchor.seq, hash: r.anchor.hash.toString('hex'), anchoredAt: r.anchor.anchoredAt.toISOString() } : null,
  };
}
