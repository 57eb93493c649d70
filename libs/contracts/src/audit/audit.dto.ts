import { ApiProperty, ApiPropertyOptional, IntersectionType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../http/pagination';

/** The filters the audit trail can be read and exported with. */
export class AuditEventsFilter {
  @ApiPropertyOptional({ description: 'Aggregate id the event is about (e.g. a model id)' })
  @IsOptional() @IsString() @MaxLength(200)
  aggregateId?: string;

  @ApiPropertyOptional({ example: 'model' })
  @IsOptional() @IsString() @MaxLength(100)
  aggregateType?: string;

  @ApiPropertyOptional({ description: 'Subject, NATS wildcards allowed: `*` one token, `>` the rest', example: 'shipyard.registry.model.*.v1' })
  @IsOptional() @IsString() @MaxLength(250) @Matches(/^[A-Za-z0-9_*>.-]+$/, { message: 'subject may hold letters, digits, ".", "_", "-", "*" and ">"' })
  subject?: string;

  @ApiPropertyOptional({ description: 'Action ("<aggregate>.<verb>"), `*` matches one part', example: 'model.*' })
  @IsOptional() @IsString() @MaxLength(200) @Matches(/^[A-Za-z0-9_*.-]+$/, { message: 'action may hold letters, digits, ".", "_", "-" and "*"' })
  action?: string;

  @ApiPropertyOptional({ description: 'Principal as "<type>:<id>"', example: 'user:alice' })
  @IsOptional() @IsString() @MaxLength(220) @Matches(/^(user|api_key|system):.+$/, { message: 'actor must look like user:<id>, api_key:<id> or system:<id>' })
  actor?: string;

  @ApiPropertyOptional({ description: 'The x-request-id of the request that caused the events' })
  @IsOptional() @IsString() @MaxLength(200)
  correlationId?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'occurredAt ≥ from' })
  @IsOptional() @IsISO8601({ strict: true })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'occurredAt < to' })
  @IsOptional() @IsISO8601({ strict: true })
  to?: string;
}

export const AUDIT_INCLUDES = ['diff'] as const;

export class AuditEventsQuery extends IntersectionType(AuditEventsFilter, PageQuery) {
  @ApiPropertyOptional({ enum: AUDIT_INCLUDES, description: '`diff` adds a readable field-by-field diff of before/after to each event' })
  @IsOptional() @IsIn(AUDIT_INCLUDES)
  include?: (typeof AUDIT_INCLUDES)[number];
}

export class AuditActor {
  @ApiProperty({ enum: ['user', 'api_key', 'system'] }) type!: string;
  @ApiProperty() id!: string;
}

export class AuditAggregate {
  @ApiProperty() type!: string;
  @ApiProperty() id!: string;
}

export const FIELD_CHANGE_KINDS = ['added', 'removed', 'changed'] as const;

export class AuditFieldChange {
  @ApiProperty({ description: 'Dotted path of the field (nested objects are walked, arrays compared whole)', example: 'tags' }) field!: string;
  @ApiProperty({ enum: FIELD_CHANGE_KINDS }) change!: (typeof FIELD_CHANGE_KINDS)[number];
  @ApiPropertyOptional({ description: 'Absent when the field was added' }) before?: unknown;
  @ApiPropertyOptional({ description: 'Absent when the field was removed' }) after?: unknown;
}

export class AuditEventResponse {
  @ApiProperty({ description: 'Gap-free position in the hash chain' }) seq!: number;
  @ApiProperty({ format: 'uuid' }) eventId!: string;
  @ApiProperty({ example: 'shipyard.registry.model.created.v1' }) subject!: string;
  @ApiProperty({ example: 'model.created' }) action!: string;
  @ApiProperty({ type: AuditActor }) actor!: AuditActor;
  @ApiProperty({ type: AuditAggregate }) aggregate!: AuditAggregate;
  @ApiProperty({ type: 'object', additionalProperties: true }) payload!: Record<string, unknown>;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) before!: Record<string, unknown> | null;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) after!: Record<string, unknown> | null;
  @ApiProperty() correlationId!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
  @ApiProperty({ format: 'date-time' }) recordedAt!: string;
  @ApiProperty({ description: 'hex sha256(prevHash || canonical JSON of the row)' }) hash!: string;
  @ApiPropertyOptional({ type: [AuditFieldChange], description: 'With include=diff: what changed between before and after' }) diff?: AuditFieldChange[];
}

export class AuditEventPageResponse {
  @ApiProperty({ type: [AuditEventResponse] }) items!: AuditEventResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export const AUDIT_EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type AuditExportFormat = (typeof AUDIT_EXPORT_FORMATS)[number];

export class AuditExportQuery extends AuditEventsFilter {
  @ApiPropertyOptional({ enum: AUDIT_EXPORT_FORMATS, default: 'ndjson', description: 'ndjson: one event per line, as the events API shows it plus prevHash; csv: RFC 4180, JSON columns as JSON text' })
  @IsOptional() @IsIn(AUDIT_EXPORT_FORMATS)
  format?: AuditExportFormat;
}

/** Seqs are bigints, and the range is arithmetic in JS: beyond 2^53 - 1 is a 400 naming the field, not a 500 from PostgreSQL. */
export class AuditVerifyQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'First seq to check (default 1)' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER)
  from?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'Last seq to check (default: the head when the check starts)' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(Number.MAX_SAFE_INTEGER)
  to?: number;
}

export class AuditAnchorResponse {
  @ApiProperty({ description: 'Chain head seq when the anchor was written' }) seq!: number;
  @ApiProperty({ description: 'hex hash of that row' }) hash!: string;
  @ApiProperty({ format: 'date-time' }) anchoredAt!: string;
}

export class AuditVerifyResponse {
  @ApiProperty({ description: 'true when every row in range recomputes, links to its predecessor, and agrees with the anchors' }) ok!: boolean;
  @ApiProperty({ description: 'Rows checked (up to the first broken one)' }) checked!: number;
  @ApiProperty() fromSeq!: number;
  @ApiProperty({ description: 'Last seq of the range checked (0 when the chain is empty)' }) toSeq!: number;
  @ApiPropertyOptional({ description: 'The first seq that does not verify: a changed row, a missing row, or the row after a truncated tail' }) firstBrokenSeq?: number;
  @ApiPropertyOptional({ example: 'hash mismatch' }) reason?: string;
  @ApiProperty({ type: AuditAnchorResponse, nullable: true, description: 'The newest anchor, which the head must reach' }) anchor!: AuditAnchorResponse | null;
}
