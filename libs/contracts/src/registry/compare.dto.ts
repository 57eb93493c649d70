import { ApiProperty } from '@nestjs/swagger';
import { IsString, Length } from 'class-validator';
import { CARD_STATUSES, CardStatus } from './card.dto';
import { ArtifactInfo, STAGES, Stage, VERSION_STATUSES, VersionStatus } from './version.dto';

export class CompareVersionsQuery {
  @ApiProperty({ description: 'Version number or alias of the first version', example: '1' })
  @IsString() @Length(1, 64)
  a!: string;

  @ApiProperty({ description: 'Version number or alias of the second version', example: 'champion' })
  @IsString() @Length(1, 64)
  b!: string;
}

export class CompareRunInfo {
  @ApiProperty({ description: 'False when the run could not be read; `reason` says why' }) available!: boolean;
  @ApiProperty({ nullable: true, type: String }) runId!: string | null;
  @ApiProperty({ nullable: true, type: String }) reason!: string | null;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ nullable: true, type: String }) status!: string | null;
  @ApiProperty({ nullable: true, type: String }) experimentName!: string | null;
}

export class CompareSide {
  @ApiProperty() version!: number;
  @ApiProperty({ enum: VERSION_STATUSES }) status!: VersionStatus;
  @ApiProperty({ enum: STAGES }) stage!: Stage;
  @ApiProperty({ type: [String] }) aliases!: string[];
  @ApiProperty({ nullable: true, type: ArtifactInfo }) artifact!: ArtifactInfo | null;
  @ApiProperty({ nullable: true, enum: CARD_STATUSES, description: 'null: the version has no card' }) cardStatus!: CardStatus | null;
  @ApiProperty({ type: CompareRunInfo }) run!: CompareRunInfo;
}

export class ParamDiff {
  @ApiProperty() key!: string;
  @ApiProperty({ nullable: true, type: String }) a!: string | null;
  @ApiProperty({ nullable: true, type: String }) b!: string | null;
  @ApiProperty() changed!: boolean;
}

export class MetricDiff {
  @ApiProperty() key!: string;
  @ApiProperty({ nullable: true, type: Number }) a!: number | null;
  @ApiProperty({ nullable: true, type: Number }) b!: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'b − a when both exist' }) delta!: number | null;
}

export class TensorDiff {
  @ApiProperty() name!: string;
  @ApiProperty({ nullable: true, type: String, description: 'dtype[shape] in a, null when absent' }) a!: string | null;
  @ApiProperty({ nullable: true, type: String }) b!: string | null;
  @ApiProperty() changed!: boolean;
}

export class SignatureDiff {
  @ApiProperty({ description: 'Both versions have a signature' }) available!: boolean;
  @ApiProperty() equal!: boolean;
  @ApiProperty({ type: [TensorDiff] }) inputs!: TensorDiff[];
  @ApiProperty({ type: [TensorDiff] }) outputs!: TensorDiff[];
}

export class ArtifactDiff {
  @ApiProperty({ nullable: true, type: Boolean, description: 'null unless both artifacts are uploaded' }) sameSha256!: boolean | null;
  @ApiProperty({ nullable: true, type: Number, description: 'b − a in bytes' }) sizeDelta!: number | null;
}

export class CompareResponse {
  @ApiProperty({ format: 'uuid' }) modelId!: string;
  @ApiProperty() modelName!: string;
  @ApiProperty({ type: CompareSide }) a!: CompareSide;
  @ApiProperty({ type: CompareSide }) b!: CompareSide;
  @ApiProperty({ type: [ParamDiff], description: 'Union of both runs’ params, sorted by key' }) params!: ParamDiff[];
  @ApiProperty({ type: [MetricDiff], description: 'Union of both runs’ latest metrics, sorted by key' }) metrics!: MetricDiff[];
  @ApiProperty({ type: SignatureDiff }) signature!: SignatureDiff;
  @ApiProperty({ type: ArtifactDiff }) artifact!: ArtifactDiff;
}
