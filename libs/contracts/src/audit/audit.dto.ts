import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsISO8601, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../http/pagination';

export class AuditEventsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Aggregate id the event is about (e.g. a model id)' })
  @IsOptional() @IsString() @MaxLength(200)
  aggregateId?: string;

  @ApiPropertyOptional({ example: 'model' })
  @IsOptional() @IsString() @MaxLength(100)
  aggregateType?: string;

  @ApiPropertyOptional({ description: 'Subject, NATS wildcards allowed: `*` one token, `>` the rest', example: 'shipyard.registry.model.*.v1' })
  @IsOptional() @IsString() @MaxLength(250) @Matches(/^[A-Za-z0-9_*>.-]+$/, { message: 'subject may hold letters, digits, ".", "_", "-", "*" and ">"' })
  subject?: string;

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

export class AuditActor {
  @ApiProperty({ enum: ['user', 'api_key', 'system'] }) type!: string;
  @ApiProperty() id!: string;
}

export class AuditAggregate {
  @ApiProperty() type!: string;
  @ApiProperty() id!: string;
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
}

export class AuditEventPageResponse {
  @ApiProperty({ type: [AuditEventResponse] }) items!: AuditEventResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
