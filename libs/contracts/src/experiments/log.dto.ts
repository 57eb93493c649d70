import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsInt, IsNumber, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { INT8_FIELD_MAX, INT8_FIELD_MIN, KEY_MAX, KEY_PATTERN, KEY_PATTERN_MESSAGE, PARAM_VALUE_MAX } from './limits';

export class LogParamRequest {
  @ApiProperty({ maxLength: KEY_MAX, example: 'optimizer' })
  @IsString() @Length(1, KEY_MAX) @Matches(KEY_PATTERN, { message: KEY_PATTERN_MESSAGE })
  key!: string;

  @ApiProperty({ maxLength: PARAM_VALUE_MAX, example: 'adam', description: 'Immutable once logged: a different value later is a 400' })
  @IsString() @MaxLength(PARAM_VALUE_MAX)
  value!: string;
}

export class LogMetricRequest {
  @ApiProperty({ maxLength: KEY_MAX, example: 'accuracy' })
  @IsString() @Length(1, KEY_MAX) @Matches(KEY_PATTERN, { message: KEY_PATTERN_MESSAGE })
  key!: string;

  @ApiProperty({ example: 0.93 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  value!: number;

  @ApiPropertyOptional({ description: 'Epoch milliseconds; default now', minimum: 0, maximum: INT8_FIELD_MAX })
  @IsOptional() @IsInt() @Min(0) @Max(INT8_FIELD_MAX)
  timestamp?: number;

  @ApiPropertyOptional({ default: 0, minimum: INT8_FIELD_MIN, maximum: INT8_FIELD_MAX })
  @IsOptional() @IsInt() @Min(INT8_FIELD_MIN) @Max(INT8_FIELD_MAX)
  step?: number;
}

/** Items of a batch: validated by the use case in one pass (1,000 nested DTOs through class-validator cost more than the INSERT). */
export class BatchMetric {
  @ApiProperty({ maxLength: KEY_MAX }) key!: string;
  @ApiProperty() value!: number;
  @ApiPropertyOptional({ description: 'Epoch milliseconds; default now' }) timestamp?: number;
  @ApiPropertyOptional({ default: 0 }) step?: number;
}

export class BatchParam {
  @ApiProperty({ maxLength: KEY_MAX }) key!: string;
  @ApiProperty({ maxLength: PARAM_VALUE_MAX }) value!: string;
}

export class BatchTag {
  @ApiProperty({ maxLength: KEY_MAX }) key!: string;
  @ApiProperty() value!: string;
}

export class LogBatchRequest {
  @ApiPropertyOptional({ type: [BatchMetric], maxItems: 1000 })
  @IsOptional() @IsArray()
  metrics?: BatchMetric[];

  @ApiPropertyOptional({ type: [BatchParam], maxItems: 100 })
  @IsOptional() @IsArray()
  params?: BatchParam[];

  @ApiPropertyOptional({ type: [BatchTag], maxItems: 100 })
  @IsOptional() @IsArray()
  tags?: BatchTag[];
}

export class LogBatchResponse {
  @ApiProperty({ format: 'uuid' }) runId!: string;
  @ApiProperty() metrics!: number;
  @ApiProperty() params!: number;
  @ApiProperty() tags!: number;
}

export const METRIC_HISTORY_PAGE_MAX = 25_000;

export class MetricHistoryQuery {
  @ApiProperty({ maxLength: KEY_MAX, example: 'loss' })
  @IsString() @Length(1, KEY_MAX)
  key!: string;

  @ApiPropertyOptional({ description: 'Only points with step ≥ minStep', minimum: INT8_FIELD_MIN, maximum: INT8_FIELD_MAX })
  @IsOptional() @Type(() => Number) @IsInt() @Min(INT8_FIELD_MIN) @Max(INT8_FIELD_MAX)
  minStep?: number;

  @ApiPropertyOptional({ description: 'Only points with step ≤ maxStep', minimum: INT8_FIELD_MIN, maximum: INT8_FIELD_MAX })
  @IsOptional() @Type(() => Number) @IsInt() @Min(INT8_FIELD_MIN) @Max(INT8_FIELD_MAX)
  maxStep?: number;

  @ApiPropertyOptional({ minimum: 1, maximum: METRIC_HISTORY_PAGE_MAX, default: 1000 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(METRIC_HISTORY_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: 'Opaque cursor from a previous page’s nextCursor' })
  @IsOptional() @IsString() @MaxLength(512)
  cursor?: string;
}

export class MetricPointResponse {
  @ApiProperty() value!: number;
  @ApiProperty({ description: 'Epoch milliseconds' }) timestamp!: number;
  @ApiProperty() step!: number;
}

export class MetricHistoryResponse {
  @ApiProperty() key!: string;
  @ApiProperty({ type: [MetricPointResponse], description: 'Ordered by step, then timestamp, then logging order' }) items!: MetricPointResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
