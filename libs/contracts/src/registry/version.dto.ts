import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsOptional, IsString, Length, Matches, MaxLength, Min } from 'class-validator';
import { PageQuery } from '../http/pagination';
import { MODEL_DESCRIPTION_MAX, MODEL_TAG_MAX, MODEL_TAGS_MAX } from './model.dto';

export const FRAMEWORKS = ['onnx', 'sklearn', 'pytorch', 'tensorflow', 'xgboost', 'other'] as const;
export type Framework = (typeof FRAMEWORKS)[number];
export const VERSION_STATUSES = ['PENDING_UPLOAD', 'READY', 'FAILED'] as const;
export type VersionStatus = (typeof VERSION_STATUSES)[number];
export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;
export type Stage = (typeof STAGES)[number];
/** Aliases: letters, digits, `_` and `-`; `latest` and `v<N>` are refused (they read as version references). */
export const ALIAS_PATTERN = /^(?!latest$)(?!v[0-9]+$)[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
export const RUN_ID_MAX = 64;
export const SHA256_PATTERN = /^[0-9a-f]{64}$/;

export class CreateVersionRequest {
  @ApiProperty({ enum: FRAMEWORKS, example: 'onnx' })
  @IsIn(FRAMEWORKS)
  framework!: Framework;

  @ApiPropertyOptional({ maxLength: MODEL_DESCRIPTION_MAX })
  @IsOptional() @IsString() @MaxLength(MODEL_DESCRIPTION_MAX)
  description?: string;

  @ApiPropertyOptional({ type: [String], maxItems: MODEL_TAGS_MAX })
  @IsOptional() @IsArray() @ArrayMaxSize(MODEL_TAGS_MAX) @IsString({ each: true }) @Length(1, MODEL_TAG_MAX, { each: true })
  tags?: string[];

  @ApiPropertyOptional({ description: 'The experiments run that produced this version (recorded for lineage and gates)', maxLength: RUN_ID_MAX })
  @IsOptional() @IsString() @Length(1, RUN_ID_MAX)
  sourceRunId?: string;
}

export class UpdateVersionRequest {
  @ApiPropertyOptional({ maxLength: MODEL_DESCRIPTION_MAX, nullable: true })
  @IsOptional() @IsString() @MaxLength(MODEL_DESCRIPTION_MAX)
  description?: string | null;

  @ApiPropertyOptional({ type: [String], maxItems: MODEL_TAGS_MAX })
  @IsOptional() @IsArray() @ArrayMaxSize(MODEL_TAGS_MAX) @IsString({ each: true }) @Length(1, MODEL_TAG_MAX, { each: true })
  tags?: string[];
}

export class ListVersionsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: STAGES }) @IsOptional() @IsIn(STAGES) stage?: Stage;
  @ApiPropertyOptional({ enum: VERSION_STATUSES }) @IsOptional() @IsIn(VERSION_STATUSES) status?: VersionStatus;
  @ApiPropertyOptional({ description: 'Only the version this alias points at' }) @IsOptional() @IsString() @MaxLength(64) alias?: string;
}

export class TensorSpecDto {
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'float32' }) dtype!: string;
  @ApiProperty({ type: [Number], description: '-1 marks a dynamic dimension', example: [-1, 16] }) shape!: number[];
}

export class SignatureDto {
  @ApiProperty({ type: [TensorSpecDto] }) inputs!: TensorSpecDto[];
  @ApiProperty({ type: [TensorSpecDto] }) outputs!: TensorSpecDto[];
}

export class ArtifactInfo {
  @ApiProperty({ description: 'Bytes' }) size!: number;
  @ApiProperty({ description: 'Lower-case hex SHA-256 of the bytes' }) sha256!: string;
  @ApiProperty({ nullable: true, type: String }) contentType!: string | null;
}

export class VersionResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) modelId!: string;
  @ApiProperty() modelName!: string;
  @ApiProperty({ example: 3 }) version!: number;
  @ApiProperty({ enum: VERSION_STATUSES }) status!: VersionStatus;
  @ApiProperty({ enum: STAGES }) stage!: Stage;
  @ApiProperty({ type: [String] }) aliases!: string[];
  @ApiProperty({ enum: FRAMEWORKS }) framework!: Framework;
  @ApiProperty({ nullable: true, type: String }) description!: string | null;
  @ApiProperty({ type: [String] }) tags!: string[];
  @ApiProperty({ nullable: true, type: String }) sourceRunId!: string | null;
  @ApiProperty({ nullable: true, type: SignatureDto, description: 'Read from the model file for ONNX artifacts' }) signature!: SignatureDto | null;
  @ApiProperty({ nullable: true, type: ArtifactInfo }) artifact!: ArtifactInfo | null;
  @ApiProperty({ nullable: true, type: String, description: 'Why the last upload failed, while status is FAILED' }) failureReason!: string | null;
  @ApiProperty() createdBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class VersionPageResponse {
  @ApiProperty({ type: [VersionResponse] }) items!: VersionResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class UploadUrlResponse {
  @ApiProperty({ description: 'PUT the artifact bytes here (no credentials needed), then call …/artifact/complete' }) url!: string;
  @ApiProperty({ example: 'PUT' }) method!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
}

export class DownloadUrlResponse {
  @ApiProperty({ description: 'GET the artifact bytes here (no credentials needed)' }) url!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty() size!: number;
  @ApiProperty() sha256!: string;
}

export class UrlExpiryQuery {
  @ApiPropertyOptional({ description: 'Seconds the URL stays valid (default from config, at most 7 days)', minimum: 1 })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1)
  expiresIn?: number;
}

export class CompleteUploadRequest {
  @ApiProperty({ description: 'Lower-case hex SHA-256 the client computed' })
  @IsString() @Matches(SHA256_PATTERN, { message: 'sha256 must be 64 lower-case hex characters' })
  sha256!: string;

  @ApiProperty({ description: 'Bytes the client uploaded' })
  @IsInt() @Min(0)
  size!: number;
}
