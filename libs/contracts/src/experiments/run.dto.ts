import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsISO8601, IsOptional, IsString, IsUUID, Length, MaxLength, ValidateNested } from 'class-validator';
import { TagInput } from './experiment.dto';
import { LIFECYCLE_STAGES, RUN_NAME_MAX, RUN_STATUSES, RUN_TEXT_MAX, RunStatus, TAGS_PER_REQUEST_MAX } from './limits';

export class CreateRunRequest {
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  experimentId!: string;

  @ApiPropertyOptional({ maxLength: RUN_NAME_MAX, example: 'xgb-depth-6' })
  @IsOptional() @IsString() @Length(1, RUN_NAME_MAX)
  name?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Default: now' })
  @IsOptional() @IsISO8601({ strict: true })
  startTime?: string;

  @ApiPropertyOptional({ maxLength: RUN_TEXT_MAX, example: 'train.py' })
  @IsOptional() @IsString() @MaxLength(RUN_TEXT_MAX)
  source?: string;

  @ApiPropertyOptional({ maxLength: 64, example: '9fceb02d0ae598e95dc970b74767f19372d61af8' })
  @IsOptional() @IsString() @MaxLength(64)
  gitCommit?: string;

  @ApiPropertyOptional({ maxLength: 100, example: 'xgboost' })
  @IsOptional() @IsString() @MaxLength(100)
  framework?: string;

  @ApiPropertyOptional({ type: [TagInput], maxItems: TAGS_PER_REQUEST_MAX })
  @IsOptional() @IsArray() @ArrayMaxSize(TAGS_PER_REQUEST_MAX) @ValidateNested({ each: true }) @Type(() => TagInput)
  tags?: TagInput[];
}

export class UpdateRunRequest {
  @ApiPropertyOptional({ maxLength: RUN_NAME_MAX })
  @IsOptional() @IsString() @Length(1, RUN_NAME_MAX)
  name?: string;

  @ApiPropertyOptional({ enum: RUN_STATUSES, description: 'A terminal status without endTime ends the run now' })
  @IsOptional() @IsIn(RUN_STATUSES)
  status?: RunStatus;

  @ApiPropertyOptional({ format: 'date-time' })
  @IsOptional() @IsISO8601({ strict: true })
  endTime?: string;
}

export class LatestMetricResponse {
  @ApiProperty() key!: string;
  @ApiProperty() value!: number;
  @ApiProperty({ description: 'Epoch milliseconds' }) timestamp!: number;
  @ApiProperty() step!: number;
}

export class RunInputResponse {
  @ApiProperty({ format: 'uuid' }) datasetId!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ description: 'Digest of the dataset content as logged: sha256 hex recommended, any hash text of 1–128 characters accepted' }) digest!: string;
  @ApiProperty({ nullable: true, type: String }) sourceUri!: string | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) schema!: Record<string, unknown> | null;
  @ApiProperty({ nullable: true, type: Number }) rowCount!: number | null;
  @ApiProperty({ nullable: true, type: 'object', additionalProperties: true }) profile!: Record<string, unknown> | null;
  @ApiProperty({ enum: ['training', 'validation', 'test'] }) context!: string;
}

export class RunResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) experimentId!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ enum: RUN_STATUSES }) status!: string;
  @ApiProperty({ format: 'date-time' }) startTime!: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) endTime!: string | null;
  @ApiProperty({ nullable: true, type: Number, description: 'endTime − startTime in ms, once ended' }) durationMs!: number | null;
  @ApiProperty({ nullable: true, type: String }) userId!: string | null;
  @ApiProperty({ nullable: true, type: String }) source!: string | null;
  @ApiProperty({ nullable: true, type: String }) gitCommit!: string | null;
  @ApiProperty({ nullable: true, type: String }) framework!: string | null;
  @ApiProperty({ enum: LIFECYCLE_STAGES }) lifecycleStage!: string;
  @ApiProperty() artifactUri!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) params!: Record<string, string>;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) tags!: Record<string, string>;
  @ApiProperty({ type: [LatestMetricResponse], description: 'Latest value of each metric (highest step, then timestamp)' }) metrics!: LatestMetricResponse[];
  @ApiProperty({ type: [RunInputResponse] }) inputs!: RunInputResponse[];
}

export class RunPageResponse {
  @ApiProperty({ type: [RunResponse] }) items!: RunResponse[];
  @ApiProperty({ nullable: true, type: String, description: 'Pass back as pageToken for the next page' }) nextCursor!: string | null;
}
