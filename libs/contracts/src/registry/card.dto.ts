import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsIn, IsOptional, IsString, Length, MaxLength } from 'class-validator';

export const CARD_STATUSES = ['Draft', 'PendingReview', 'Approved', 'Archived'] as const;
export type CardStatus = (typeof CARD_STATUSES)[number];
export const CARD_TEXT_MAX = 20_000;
export const CARD_OWNERS_MAX = 20;

/** The structured sections of a model card, in the order card.md renders them. */
export const CARD_TEXT_FIELDS = ['intendedUse', 'outOfScopeUse', 'trainingData', 'evaluationData', 'evaluationResults', 'limitations', 'ethicalConsiderations'] as const;
export type CardTextField = (typeof CARD_TEXT_FIELDS)[number];

export interface CardContent {
  intendedUse: string | null;
  outOfScopeUse: string | null;
  trainingData: string | null;
  evaluationData: string | null;
  evaluationResults: string | null;
  limitations: string | null;
  ethicalConsiderations: string | null;
  owners: string[];
}

const text = (description: string) => ApiPropertyOptional({ description, maxLength: CARD_TEXT_MAX, nullable: true, type: String });

/**
 * Content fields given replace the stored ones (null clears one); fields left out keep their value.
 * Content changes only while the card is Draft. `status` moves the state machine.
 */
export class PutCardRequest {
  @text('What the model is for, and for whom') @IsOptional() @IsString() @MaxLength(CARD_TEXT_MAX) intendedUse?: string | null;
  @text('Uses the model is not meant for') @IsOptional() @IsString() @MaxLength(CARD_TEXT_MAX) outOfScopeUse?: string | null;
  @text('Data the model was trained on') @IsOptional() @IsString() @MaxLength(CARD_TEXT_MAX) trainingData?: string | null;
  @text('Data the model was evaluated on') @IsOptional() @IsString() @MaxLength(CARD_TEXT_MAX) evaluationData?: string | null;
  @text('Evaluation results') @IsOptional() @IsString() @MaxLength(CARD_TEXT_MAX) evaluationResults?: string | null;
  @text('Known limitations') @IsOptional() @IsString() @MaxLength(CARD_TEXT_MAX) limitations?: string | null;
  @text('Ethical considerations') @IsOptional() @IsString() @MaxLength(CARD_TEXT_MAX) ethicalConsiderations?: string | null;

  @ApiPropertyOptional({ type: [String], maxItems: CARD_OWNERS_MAX, description: 'People or teams accountable for the model' })
  @IsOptional() @IsArray() @ArrayMaxSize(CARD_OWNERS_MAX) @IsString({ each: true }) @Length(1, 200, { each: true })
  owners?: string[];

  @ApiPropertyOptional({
    enum: CARD_STATUSES,
    description: 'Draft → PendingReview (writer), PendingReview → Approved (an approver other than the submitter), PendingReview → Draft, Approved → Archived',
  })
  @IsOptional() @IsIn(CARD_STATUSES)
  status?: CardStatus;
}

export class CardResponse {
  @ApiProperty({ format: 'uuid' }) versionId!: string;
  @ApiProperty({ format: 'uuid' }) modelId!: string;
  @ApiProperty() modelName!: string;
  @ApiProperty() version!: number;
  @ApiProperty({ enum: CARD_STATUSES }) status!: CardStatus;
  @ApiProperty({ nullable: true, type: String }) intendedUse!: string | null;
  @ApiProperty({ nullable: true, type: String }) outOfScopeUse!: string | null;
  @ApiProperty({ nullable: true, type: String }) trainingData!: string | null;
  @ApiProperty({ nullable: true, type: String }) evaluationData!: string | null;
  @ApiProperty({ nullable: true, type: String }) evaluationResults!: string | null;
  @ApiProperty({ nullable: true, type: String }) limitations!: string | null;
  @ApiProperty({ nullable: true, type: String }) ethicalConsiderations!: string | null;
  @ApiProperty({ type: [String] }) owners!: string[];
  @ApiProperty({ nullable: true, type: String, description: 'User id of whoever submitted it for review (may not approve it)' }) submittedByUserId!: string | null;
  @ApiProperty() updatedBy!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) updatedAt!: string;
}
