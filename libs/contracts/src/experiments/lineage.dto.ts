import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const LINEAGE_NODE_KINDS = ['dataset', 'run', 'model_version'] as const;
export type LineageNodeKind = (typeof LINEAGE_NODE_KINDS)[number];
export const LINEAGE_RELATIONS = ['input_of', 'produced'] as const;
export type LineageRelation = (typeof LINEAGE_RELATIONS)[number];
export const LINEAGE_DEFAULT_DEPTH = 3;
export const LINEAGE_MAX_DEPTH = 10;

export class LineageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: LINEAGE_MAX_DEPTH, default: LINEAGE_DEFAULT_DEPTH, description: 'Hops to follow upstream and downstream of the root' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(LINEAGE_MAX_DEPTH)
  depth?: number;
}

export class LineageNodeRef {
  @ApiProperty({ enum: LINEAGE_NODE_KINDS }) kind!: LineageNodeKind;
  @ApiProperty({ format: 'uuid' }) id!: string;
}

export class LineageNode extends LineageNodeRef {
  @ApiProperty({ example: 'churn-classifier v3' }) label!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'dataset: name, digest, sourceUri, rowCount; run: experiment, status, lifecycleStage, startTime; model_version: model, version, stage, status' })
  attributes!: Record<string, unknown>;
}

export class LineageEdge {
  @ApiProperty({ format: 'uuid', description: 'Upstream node id' }) from!: string;
  @ApiProperty({ format: 'uuid', description: 'Downstream node id' }) to!: string;
  @ApiProperty({ enum: LINEAGE_RELATIONS, description: 'input_of: dataset → run; produced: run → model_version' }) relation!: LineageRelation;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'input_of: {context: training | validation | test}' })
  attributes!: Record<string, unknown>;
}

export class LineageResponse {
  @ApiProperty({ type: LineageNodeRef }) root!: LineageNodeRef;
  @ApiProperty({ type: [LineageNode], description: 'The root first, then nodes in the order they were reached' }) nodes!: LineageNode[];
  @ApiProperty({ type: [LineageEdge] }) edges!: LineageEdge[];
  @ApiProperty({ type: [String], description: 'What could not be shown and why (e.g. the registry was unreachable); the graph is partial when non-empty' })
  warnings!: string[];
}
