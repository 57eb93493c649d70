import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsObject, IsOptional, IsString, IsUUID, Length, Matches, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { DATASET_CONTEXTS, DATASET_DIGEST_PATTERN, DATASET_NAME_MAX, DatasetContext, INT8_FIELD_MAX, VIEW_TYPES, ViewType } from './limits';

export const SEARCH_PAGE_MAX = 1000;
export const SEARCH_FILTER_MAX = 4000;
export const COMPARE_RUNS_MAX = 50;

export class SearchRunsRequest {
  @ApiProperty({ type: [String], format: 'uuid', minItems: 1, maxItems: 100 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsUUID('all', { each: true })
  experimentIds!: string[];

  @ApiPropertyOptional({
    maxLength: SEARCH_FILTER_MAX,
    example: "metrics.accuracy > 0.9 AND (params.optimizer = 'adam' OR tags.team ILIKE 'gr%') ORDER BY metrics.f1 DESC",
    description:
      'Filter DSL: `<metrics|params|tags|attributes|datasets>.<key> <op> <value>` joined by AND / OR with parentheses; ops = != <> < <= > >= LIKE ILIKE NOT LIKE NOT ILIKE IN NOT IN; strings in single quotes; keys with spaces in backticks; an optional trailing ORDER BY.',
  })
  @IsOptional() @IsString() @MaxLength(SEARCH_FILTER_MAX)
  filter?: string;

  @ApiPropertyOptional({ type: [String], maxItems: 5, example: ['metrics.f1 DESC', 'attributes.start_time'] })
  @IsOptional() @IsArray() @ArrayMaxSize(5) @IsString({ each: true }) @MaxLength(300, { each: true })
  orderBy?: string[];

  @ApiPropertyOptional({ enum: VIEW_TYPES, default: 'active' })
  @IsOptional() @IsIn(VIEW_TYPES)
  view?: ViewType;

  @ApiPropertyOptional({ minimum: 1, maximum: SEARCH_PAGE_MAX, default: 100 })
  @IsOptional() @IsInt() @Min(1) @Max(SEARCH_PAGE_MAX)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page of the same search' })
  @IsOptional() @IsString() @MaxLength(512)
  pageToken?: string;
}

const splitIds = ({ value }: { value: unknown }): unknown => (typeof value === 'string' ? value.split(',').map((s) => s.trim()).filter(Boolean) : value);

export class CompareRunsQuery {
  @ApiProperty({ description: `Comma-separated run ids (1 to ${COMPARE_RUNS_MAX}), in the order the columns should appear`, example: 'id1,id2' })
  @Transform(splitIds) @IsArray() @ArrayMinSize(1) @ArrayMaxSize(COMPARE_RUNS_MAX) @IsUUID('all', { each: true })
  runIds!: string[];
}

export class CompareRunColumn {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) experimentId!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty() status!: string;
  @ApiProperty({ format: 'date-time' }) startTime!: string;
  @ApiProperty({ nullable: true, type: Number }) durationMs!: number | null;
}

export class CompareParamRow {
  @ApiProperty() key!: string;
  @ApiProperty({ type: 'array', items: { type: 'string', nullable: true }, description: 'One value per run, in column order; null where the run lacks it' }) values!: Array<string | null>;
  @ApiProperty({ description: 'The runs do not all share one value' }) differs!: boolean;
}

export class CompareMetricRow {
  @ApiProperty() key!: string;
  @ApiProperty({ type: 'array', items: { type: 'number', nullable: true }, description: 'Latest value per run, in column order' }) values!: Array<number | null>;
  @ApiProperty({ nullable: true, type: Number }) min!: number | null;
  @ApiProperty({ nullable: true, type: Number }) max!: number | null;
}

export class CompareRunsResponse {
  @ApiProperty({ type: [CompareRunColumn] }) runs!: CompareRunColumn[];
  @ApiProperty({ type: [CompareParamRow] }) params!: CompareParamRow[];
  @ApiProperty({ type: [CompareMetricRow] }) metrics!: CompareMetricRow[];
  @ApiProperty({ type: [CompareParamRow] }) tags!: CompareParamRow[];
}

export class DatasetInput {
  @ApiProperty({ maxLength: DATASET_NAME_MAX, example: 'churn-2026-q3' })
  @IsString() @Length(1, DATASET_NAME_MAX)
  name!: string;

  @ApiProperty({ description: 'Digest of the content: sha256 hex recommended; any hash text up to 128 characters (letters, digits, . _ : + / = -)', example: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' })
  @IsString() @Matches(DATASET_DIGEST_PATTERN, { message: 'digest must be 1–128 characters of hash text (sha256 hex recommended)' })
  digest!: string;

  @ApiPropertyOptional({ maxLength: 1000, example: 's3://data/churn/2026-q3.parquet' })
  @IsOptional() @IsString() @MaxLength(1000)
  sourceUri?: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Column names and types' })
  @IsOptional() @IsObject()
  schema?: Record<string, unknown>;

  @ApiPropertyOptional({ minimum: 0, maximum: INT8_FIELD_MAX })
  @IsOptional() @IsInt() @Min(0) @Max(INT8_FIELD_MAX)
  rowCount?: number;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'Summary statistics' })
  @IsOptional() @IsObject()
  profile?: Record<string, unknown>;

  @ApiProperty({ enum: DATASET_CONTEXTS })
  @IsIn(DATASET_CONTEXTS)
  context!: DatasetContext;
}

export class LogInputsRequest {
  @ApiProperty({ type: [DatasetInput], minItems: 1, maxItems: 50 })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => DatasetInput)
  datasets!: DatasetInput[];
}
