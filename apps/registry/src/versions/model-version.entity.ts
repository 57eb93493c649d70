import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Framework, ModelSignature, Stage, VersionStatus } from '@shipyard/contracts';

/** bigint columns come back from pg as strings; sizes stay far below 2^53. */
const bigintAsNumber = { to: (v: number | null) => v, from: (v: string | null) => (v === null ? null : Number(v)) };

@Entity({ schema: 'registry', name: 'model_versions' })
export class ModelVersionEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'model_id' }) modelId!: string;
  @Column('int') version!: number;
  @Column('int', { name: 'previous_version', nullable: true }) previousVersion!: number | null;
  @Column('text') status!: VersionStatus;
  @Column('text') stage!: Stage;
  @Column('text') framework!: Framework;
  @Column('text', { nullable: true }) description!: string | null;
  @Column('text', { array: true, default: () => "'{}'" }) tags!: string[];
  @Column('text', { name: 'source_run_id', nullable: true }) sourceRunId!: string | null;
  @Column('jsonb', { nullable: true }) signature!: ModelSignature | null;
  @Column('text', { name: 'artifact_key', nullable: true }) artifactKey!: string | null;
  @Column('bigint', { name: 'artifact_size', nullable: true, transformer: bigintAsNumber }) artifactSize!: number | null;
  @Column('text', { name: 'artifact_sha256', nullable: true }) artifactSha256!: string | null;
  @Column('text', { name: 'artifact_content_type', nullable: true }) artifactContentType!: string | null;
  /** MLflow-style versions: the artifact's URI (runs:/…, s3://…); such a version is READY without an upload. */
  @Column('text', { name: 'source_uri', nullable: true }) sourceUri!: string | null;
  @Column('text', { name: 'failure_reason', nullable: true }) failureReason!: string | null;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @Column('text', { name: 'created_by_user' }) createdByUser!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
  /** Soft delete (MLflow's delete-model-version): set once, with nothing else, by DeleteVersionUseCase; the row is then frozen. */
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt!: Date | null;
  @Column('text', { name: 'deleted_by', nullable: true }) deletedBy!: string | null;
}

/** A version together with what callers almost always need beside it. */
export interface VersionView {
  version: ModelVersionEntity;
  modelName: string;
  aliases: string[];
}
