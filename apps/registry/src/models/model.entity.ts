import { Column, Entity, PrimaryColumn } from 'typeorm';

@Entity({ schema: 'registry', name: 'models' })
export class ModelEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text', { nullable: true }) description!: string | null;
  @Column('text', { array: true, default: () => "'{}'" }) tags!: string[];
  @Column('text', { name: 'owner_id' }) ownerId!: string;
  @Column('timestamptz', { name: 'created_at' }) createdAt!: Date;
  @Column('timestamptz', { name: 'updated_at' }) updatedAt!: Date;
  @Column('timestamptz', { name: 'deleted_at', nullable: true }) deletedAt!: Date | null;
}
