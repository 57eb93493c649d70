import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Min } from 'class-validator';
import { MODEL_NAME_MAX, MODEL_NAME_PATTERN } from '../registry/model.dto';

export const MODEL_STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;

/** Serve a registry model version: give at most one of version, alias, stage (none = newest READY version). */
export class DeployModelRequest {
  @ApiProperty({ example: 'churn-classifier', description: 'Registry model name; the OIP {name} it is served under' })
  @IsString() @Length(1, MODEL_NAME_MAX) @Matches(MODEL_NAME_PATTERN, { message: 'model may hold letters, digits, ".", "_" and "-", and starts with a letter or digit' })
  model!: string;

  @ApiPropertyOptional({ example: 3, minimum: 1 })
  @IsOptional() @IsInt() @Min(1)
  version?: number;

  @ApiPropertyOptional({ example: 'champion' })
  @IsOptional() @IsString() @Length(1, 64) @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'alias may hold letters, digits, ".", "_" and "-"' })
  alias?: string;

  @ApiPropertyOptional({ enum: MODEL_STAGES })
  @IsOptional() @IsIn(MODEL_STAGES)
  stage?: (typeof MODEL_STAGES)[number];
}

export class TensorMetadataResponse {
  @ApiProperty() name!: string;
  @ApiProperty({ example: 'FP32', description: 'OIP datatype' }) datatype!: string;
  @ApiProperty({ type: [Number], example: [-1, 16], description: '-1 marks a dynamic dimension' }) shape!: number[];
}

export class ServedModelResponse {
  @ApiProperty({ description: 'Model name, as served under /v2/models/{name}' }) name!: string;
  @ApiProperty({ example: 'churn-classifier@champion', description: 'What the name follows: name, name:version, name@alias or name@stage:Stage' }) reference!: string;
  @ApiProperty({ enum: ['config', 'deployment'] }) source!: 'config' | 'deployment';
  @ApiProperty({ enum: ['loading', 'ready', 'failed'] }) state!: 'loading' | 'ready' | 'failed';
  @ApiProperty({ type: Number, nullable: true, description: 'Registry version serving now' }) version!: number | null;
  @ApiProperty({ type: String, nullable: true, description: 'Why the last load failed' }) error!: string | null;
  @ApiProperty({ type: String, nullable: true, format: 'date-time' }) loadedAt!: string | null;
  @ApiProperty({ description: 'Dynamic batching applies to this model' }) batching!: boolean;
  @ApiProperty({ type: [TensorMetadataResponse] }) inputs!: TensorMetadataResponse[];
  @ApiProperty({ type: [TensorMetadataResponse] }) outputs!: TensorMetadataResponse[];
}

export class ServedModelListResponse {
  @ApiProperty({ type: [ServedModelResponse] }) items!: ServedModelResponse[];
  @ApiProperty({ type: String, nullable: true, description: 'Always null: the list is whole' }) nextCursor!: string | null;
}
