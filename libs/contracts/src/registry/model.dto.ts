import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import { PageQuery } from '../http/pagination';

export const MODEL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
export const MODEL_NAME_MAX = 128;
export const MODEL_DESCRIPTION_MAX = 4000;
export const MODEL_TAG_MAX = 64;
export const MODEL_TAGS_MAX = 50;

export class CreateModelRequest {
  @ApiProperty({ example: 'churn-classifier', maxLength: MODEL_NAME_MAX, pattern: MODEL_NAME_PATTERN.source })
  @IsString() @Length(1, MODEL_NAME_MAX) @Matches(MODEL_NAME_PATTERN, { message: 'name may hold letters, digits, ".", "_" and "-", and starts with a letter or digit' })
  name!: string;

  @ApiPropertyOptional({ maxLength: MODEL_DESCRIPTION_MAX })
  @IsOptional() @IsString() @MaxLength(MODEL_DESCRIPTION_MAX)
  description?: string;

  @ApiPropertyOptional({ type: [String], maxItems: MODEL_TAGS_MAX, example: ['tabular', 'team:growth'] })
  @IsOptional() @IsArray() @ArrayMaxSize(MODEL_TAGS_MAX) @IsString({ each: true }) @Length(1, MODEL_TAG_MAX, { each: true })
  tags?: string[];
}

export class UpdateModelRequest {
  @ApiPropertyOptional({ maxLength: MODEL_NAME_MAX, pattern: MODEL_NAME_PATTERN.source })
  @IsOptional() @IsString() @Length(1, MODEL_NAME_MAX) @Matches(MODEL_NAME_PATTERN, { message: 'name may hold letters, digits, ".", "_" and "-", and starts with a letter or digit' })
  name?: string;

  @ApiPropertyOptional({ maxLength: MODEL_DESCRIPTION_MAX, nullable: true })
  @IsOptional() @IsString() @MaxLength(MODEL_DESCRIPTION_MAX)
  description?: string | null;

  @ApiPropertyOptional({ type: [String], maxItems: MODEL_TAGS_MAX })
  @IsOptional() @IsArray() @ArrayMaxSize(MODEL_TAGS_MAX) @IsString({ each: true }) @Length(1, MODEL_TAG_MAX, { each: true })
  tags?: string[];
}

export class ListModelsQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'Only models whose name starts with this prefix' })
  @IsOptional() @IsString() @MaxLength(MODEL_NAME_MAX)
  namePrefix?: string;

  @ApiPropertyOptional({ description: 'Only models carrying this tag' })
  @IsOptional() @IsString() @MaxLength(MODEL_TAG_MAX)
  tag?: string;

  @ApiPropertyOptional({ enum: ['None', 'Staging', 'Production', 'Archived'], description: 'Only models having a version in this stage' })
  @IsOptional() @IsIn(['None', 'Staging', 'Production', 'Archived'])
  stage?: 'None' | 'Staging' | 'Production' | 'Archived';

  @ApiPropertyOptional({ description: 'Only models having this alias (case-insensitive)' })
  @IsOptional() @IsString() @MaxLength(64)
  alias?: string;
}

export class ModelResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ description: 'Principal that created the model, "user:<id>" or "api_key:<id>"' }) ownerId!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ModelPageResponse {
  @ApiProperty({ type: [ModelResponse] }) items!: ModelResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}
