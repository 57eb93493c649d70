import { ApiPropertyOptional } from '@nestjs/swagger';
import { Max } from 'class-validator';
import { AuditVerifyQuery } from '@shipyard/contracts';

/**
 * The verify query with an upper bound: seq is a bigint and the range is arithmetic in JS, so a seq
 * beyond Number.MAX_SAFE_INTEGER (20 digits, 2^63-1) is a 400 naming the field, not a 500 from PostgreSQL.
 */
export class AuditVerifyRangeQuery extends AuditVerifyQuery {
  // Redeclared (with an initializer, as TS requires to redeclare a field) to add the bound; the
  // decorators of AuditVerifyQuery (optional, integer, ≥ 1) still apply.
  @ApiPropertyOptional({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'First seq to check (default 1)' })
  @Max(Number.MAX_SAFE_INTEGER)
  override from?: number = undefined;

  @ApiPropertyOptional({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Last seq to check (default: the head when the check starts)' })
  @Max(Number.MAX_SAFE_INTEGER)
  override to?: number = undefined;
}
