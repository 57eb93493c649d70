import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsNumber, IsOptional, IsString, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import { PageQuery } from '../http/pagination';
import { ARTIFACT_LOCATION_MAX, EXPERIMENT_DESCRIPTION_MAX, EXPERIMENT_NAME_MAX, KEY_MAX, KEY_PATTERN, KEY_PATTERN_MESSAGE, LIFECYCLE_STAGES, TAG_VALUE_MAX, TAGS_PER_REQUEST_MAX, VIEW_TYPES, ViewType } from './limits';

/** `min_metric=<key>:<value>`: the key may itself hold ':', so the value follows the last one. */
export const MIN_METRIC_PATTERN = /^[A-Za-z0-9_\-./: ]{1,250}:-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

export class TagInput {
  @ApiProperty({ maxLength: KEY_MAX, example: 'team' })
  @IsString() @Length(1, KEY_MAX) @Matches(KEY_PATTERN, { message: KEY_PATTERN_MESSAGE })
  key!: string;

  @ApiProperty({ maxLength: TAG_VALUE_MAX, example: 'growth' })
  @IsString() @MaxLength(TAG_VALUE_MAX)
  value!: string;
}

export class CreateExperimentRequest {
  @ApiProperty({ example: 'churn-baselines', maxLength: EXPERIMENT_NAME_MAX })
  @IsString() @Length(1, EXPERIMENT_NAME_MAX)
  name!: string;

  @ApiPropertyOptional({ maxLength: EXPERIMENT_DESCRIPTION_MAX })
  @IsOptional() @IsString() @MaxLength(EXPERIMENT_DESCRIPTION_MAX)
  description?: string;

  @ApiPropertyOptional({ description: 'Where runs store artifacts; default s3://<bucket>/experiments/<id>', maxLength: ARTIFACT_LOCATION_MAX })
  @IsOptional() @IsString() @Length(1, ARTIFACT_LOCATION_MAX)
  artifactLocation?: string;

  @ApiPropertyOptional({ type: [TagInput], maxItems: TAGS_PER_REQUEST_MAX })
  @IsOptional() @IsArray() @ArrayMaxSize(TAGS_PER_REQUEST_MAX) @ValidateNested({ each: true }) @Type(() => TagInput)
  tags?: TagInput[];
}

export class UpdateExperimentRequest {
  @ApiPropertyOptional({ maxLength: EXPERIMENT_NAME_MAX })
  @IsOptional() @IsString() @Length(1, EXPERIMENT_NAME_MAX)
  name?: string;

  @ApiPropertyOptional({ maxLength: EXPERIMENT_DESCRIPTION_MAX, nullable: true, type: String })
  @IsOptional() @IsString() @MaxLength(EXPERIMENT_DESCRIPTION_MAX)
  description?: string | null;

  @ApiPropertyOptional({ type: [TagInput], maxItems: TAGS_PER_REQUEST_MAX, description: 'Tags to set (upsert by key); other tags stay' })
  @IsOptional() @IsArray() @ArrayMaxSize(TAGS_PER_REQUEST_MAX) @ValidateNested({ each: true }) @Type(() => TagInput)
  tags?: TagInput[];
}

const asArray = ({ value }: { value: unknown }): unknown => (value === undefined || Array.isArray(value) ? value : [value]);

export class ListExperimentsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only experiments whose name starts with this prefix' })
  @IsOptional() @IsString() @MaxLength(EXPERIMENT_NAME_MAX)
  namePrefix?: string;

  @ApiPropertyOptional({ enum: VIEW_TYPES, default: 'active' })
  @IsOptional() @IsIn(VIEW_TYPES)
  view?: ViewType;

  @ApiPropertyOptional({
    type: [String],
    description: 'Only experiments having an active run whose latest value of metric <key> is ≥ <value>; repeat to require several',
    example: ['accuracy:0.9'],
  })
  @IsOptional() @Transform(asArray) @IsArray() @ArrayMaxSize(10) @IsString({ each: true }) @Matches(MIN_METRIC_PATTERN, { each: true, message: 'min_metric must look like <key>:<number>, e.g. accuracy:0.9' })
  min_metric?: string[];

  @ApiPropertyOptional({ description: 'Shorthand for min_metric=accuracy:<value>', example: 0.9 })
  @IsOptional() @Type(() => Number) @IsNumber({ allowNaN: false, allowInfinity: false })
  min_accuracy?: number;
}

export class ExperimentResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty() artifactLocation!: string;
  @ApiProperty({ enum: LIFECYCLE_STAGES }) lifecycleStage!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' }, example: { team: 'growth' } }) tags!: Record<string, string>;
  @ApiProperty({ description: 'Principal that created the experiment' }) ownerId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ExperimentPageResponse {
  @ApiProperty({ type: [ExperimentResponse] }) items!: ExperimentResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
