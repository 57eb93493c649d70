import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsBoolean, IsIn, IsInt, IsNumber, IsOptional, IsString, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { STAGES, Stage, VersionResponse } from './version.dto';

/** Aliases, stages, gates, reviews, model cards and compare: the governance side of the registry. */

export class SetAliasRequest {
  @ApiProperty({ description: 'Version number the alias points at from now on', example: 3 })
  @IsInt() @Min(1)
  version!: number;
}

export class AliasResponse {
  @ApiProperty({ format: 'uuid' }) modelId!: string;
  @ApiProperty() modelName!: string;
  @ApiProperty({ example: 'champion' }) alias!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ nullable: true, type: Number, description: 'Where the alias pointed before this request (null: it is new)' }) previousVersion!: number | null;
  @ApiProperty() updatedBy!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}

export class ChangeStageRequest {
  @ApiProperty({ enum: STAGES, example: 'Production' })
  @IsIn(STAGES)
  stage!: Stage;

  @ApiPropertyOptional({ description: 'Promoting to Production: move the versions now in Production to Archived', default: false })
  @IsOptional() @IsBoolean()
  archiveExisting?: boolean;
}

export const GATE_OPERATORS = ['>=', '>', '<=', '<', '=='] as const;
export type GateOperator = (typeof GATE_OPERATORS)[number];
export const METRIC_KEY_MAX = 250;

export class MetricGateDto {
  @ApiProperty({ example: 'accuracy', description: 'Metric of the source run (its latest value)' })
  @IsString() @Length(1, METRIC_KEY_MAX)
  metric!: string;

  @ApiProperty({ enum: GATE_OPERATORS, example: '>=' })
  @IsIn(GATE_OPERATORS)
  op!: GateOperator;

  @ApiProperty({ example: 0.9 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  threshold!: number;
}

export class SetGatesRequest {
  @ApiPropertyOptional({ type: [MetricGateDto], maxItems: 20, description: 'Every threshold must hold on the version’s source run' })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => MetricGateDto)
  metrics?: MetricGateDto[];

  @ApiPropertyOptional({ description: 'The version needs an Approved model card', default: false })
  @IsOptional() @IsBoolean()
  requireCard?: boolean;

  @ApiPropertyOptional({ minimum: 0, maximum: 10, default: 0, description: 'Approvals (by approvers other than the submitter) the latest review needs' })
  @IsOptional() @IsInt() @Min(0) @Max(10)
  requiredApprovals?: number;
}

export class GatesResponse {
  @ApiProperty({ format: 'uuid' }) modelId!: string;
  @ApiProperty() modelName!: string;
  @ApiProperty({ type: [MetricGateDto] }) metrics!: MetricGateDto[];
  @ApiProperty() requireCard!: boolean;
  @ApiProperty() requiredApprovals!: number;
  @ApiProperty({ nullable: true, type: String, description: 'null while the model has never had gates set' }) updatedBy!: string | null;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) updatedAt!: string | null;
}

export class GateResultDto {
  @ApiProperty({ example: 'metric:accuracy >= 0.9', description: '"metric:<key> <op> <threshold>", "card" or "approvals"' }) gate!: string;
  @ApiProperty() passed!: boolean;
  @ApiProperty({ description: 'What was found (metric value, card status, approval count); null when unknown', nullable: true, oneOf: [{ type: 'number' }, { type: 'string' }] }) actual!: number | string | null;
  @ApiProperty({ description: 'What the gate requires', oneOf: [{ type: 'number' }, { type: 'string' }] }) expected!: number | string;
  @ApiProperty({ nullable: true, type: String, description: 'Why the gate failed' }) reason!: string | null;
}

export class StageDecisionResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) versionId!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ enum: STAGES }) fromStage!: Stage;
  @ApiProperty({ enum: STAGES }) toStage!: Stage;
  @ApiProperty() allowed!: boolean;
  @ApiProperty({ type: [GateResultDto] }) gates!: GateResultDto[];
  @ApiProperty({ type: [Number], description: 'Versions moved from Production to Archived by this promotion' }) archivedVersions!: number[];
  @ApiProperty() decidedBy!: string;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
}

export class StageDecisionPageResponse {
  @ApiProperty({ type: [StageDecisionResponse] }) items!: StageDecisionResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export class StageChangeResponse {
  @ApiProperty({ type: VersionResponse }) version!: VersionResponse;
  @ApiProperty({ type: StageDecisionResponse }) decision!: StageDecisionResponse;
}

export const REVIEW_STATUSES = ['PENDING', 'APPROVED', 'REJECTED'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];
export const REVIEW_DECISIONS = ['approve', 'reject'] as const;
export type ReviewDecision = (typeof REVIEW_DECISIONS)[number];
export const COMMENT_MAX = 4000;

export class SubmitReviewRequest {
  @ApiPropertyOptional({ maxLength: COMMENT_MAX, description: 'What reviewers should look at' })
  @IsOptional() @IsString() @MaxLength(COMMENT_MAX)
  comment?: string;
}

export class ReviewDecisionRequest {
  @ApiProperty({ enum: REVIEW_DECISIONS })
  @IsIn(REVIEW_DECISIONS)
  decision!: ReviewDecision;

  @ApiProperty({ maxLength: COMMENT_MAX, minLength: 1 })
  @IsString() @Length(1, COMMENT_MAX)
  comment!: string;
}

export class ReviewDecisionDto {
  @ApiProperty({ description: 'User id of the approver' }) approverUserId!: string;
  @ApiProperty({ description: 'Principal that decided, "user:<id>" or "api_key:<id>"' }) approver!: string;
  @ApiProperty({ enum: REVIEW_DECISIONS }) decision!: ReviewDecision;
  @ApiProperty() comment!: string;
  @ApiProperty({ format: 'date-time' }) decidedAt!: string;
}

export class ReviewResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ format: 'uuid' }) versionId!: string;
  @ApiProperty() modelName!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ enum: REVIEW_STATUSES }) status!: ReviewStatus;
  @ApiProperty({ nullable: true, type: String }) comment!: string | null;
  @ApiProperty() submittedBy!: string;
  @ApiProperty({ description: 'User id of the submitter (who may not decide it)' }) submittedByUserId!: string;
  @ApiProperty({ type: [ReviewDecisionDto] }) decisions!: ReviewDecisionDto[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ nullable: true, type: String, format: 'date-time' }) closedAt!: string | null;
}

export class ReviewPageResponse {
  @ApiProperty({ type: [ReviewResponse] }) items!: ReviewResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor!: string | null;
}

export * from './card.dto';
export * from './compare.dto';

export const ALIAS_PARAM_DESCRIPTION = 'Alias name: letters, digits, "_" and "-" (not "latest" nor "v<N>"), case-insensitive';
