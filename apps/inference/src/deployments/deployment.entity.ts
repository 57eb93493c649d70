import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ schema: 'inference', name: 'deployments' })
export class DeploymentEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') model!: string;
  @Column('integer', { nullable: true }) version!: number | null;
  @Column('text', { nullable: true }) alias!: string | null;
  @Column('text', { nullable: true }) stage!: string | null;
  @Column('text', { name: 'created_by' }) createdBy!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
}
