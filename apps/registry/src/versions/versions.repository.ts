import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Stage, VersionStatus } from '@shipyard/contracts';
import { ModelEntity } from '../models/model.entity';
import { ModelVersionEntity, VersionView } from './model-version.entity';

export interface VersionFilter {
  stage?: Stage;
  status?: VersionStatus;
  alias?: string;
  /** Keyset: versions below this number (lists go newest first). */
  below?: number;
  limit: number;
}

/** Queries over registry.model_versions and the aliases that point at them. */
@Injectable()
export class VersionsRepository {
  /**
   * Takes the next number for `model` under the model row's lock (concurrent creators queue here), or null
   * when the model is deleted: the UPDATE that waited for a delete's lock re-checks `deleted_at` on the row
   * the delete committed, so no version lands on a model deleted meanwhile.
   */
  async allocateNumber(em: EntityManager, modelId: string): Promise<number | null> {
    const rows = await em.query<[Array<{ latest_version: number }>, number]>(`UPDATE registry.models SET latest_version = latest_version + 1 WHERE id = $1 AND deleted_at IS NULL RETURNING latest_version`, [modelId]);
    return rows[0][0]?.latest_version ?? null;
  }

  async insert(em: EntityManager, v: ModelVersionEntity): Promise<void> {
    await em.insert(ModelVersionEntity, v);
  }

  async save(em: EntityManager, v: ModelVersionEntity): Promise<void> {
    await em.save(ModelVersionEntity, v);
  }

  /** The version `number` of a live model unless it was deleted; `lock` takes a row lock for an update. */
  async find(em: EntityManager, model: ModelEntity, number: number, lock = false): Promise<ModelVersionEntity | null> {
    const qb = em.createQueryBuilder(ModelVersionEntity, 'v').where('v.model_id = :m AND v.version = :n AND v.deleted_at IS NULL', { m: model.id, n: number });
    if (lock) qb.setLock('pessimistic_write');
    return qb.getOne();
  }

  /** When version `number` of the model was soft-deleted, or null if it is live or never existed. */
  async deletedAt(em: EntityManager, modelId: string, number: number): Promise<Date | null> {
    const rows = await em.query<Array<{ deleted_at: Date }>>(`SELECT deleted_at FROM registry.model_versions WHERE model_id = $1 AND version = $2 AND deleted_at IS NOT NULL`, [modelId, number]);
    return rows[0]?.deleted_at ?? null;
  }

  /** The soft delete: sets only deleted_at and deleted_by (the trigger refuses any other change with them). */
  async markDeleted(em: EntityManager, v: ModelVersionEntity, at: Date, by: string): Promise<void> {
    await em.query(`UPDATE registry.model_versions SET deleted_at = $2, deleted_by = $3 WHERE id = $1 AND deleted_at IS NULL`, [v.id, at, by]);
    Object.assign(v, { deletedAt: at, deletedBy: by });
  }

  /**
   * Records, once, the ONNX file a source version serves (a guarded UPDATE: concurrent first resolves race
   * here and one wins). Answers the pin the row holds afterwards, whoever wrote it, or the deletion time when
   * the version was deleted meanwhile. The row's other columns, updated_at included, stay as they are.
   */
  async pinSourceArtifact(em: EntityManager, versionId: string, a: { key: string; size: number; sha256: string }): Promise<{ pinned: { key: string; size: number; sha256: string } | null; deletedAt: Date | null }> {
    await em.query(
      `UPDATE registry.model_versions SET artifact_key = $2, artifact_size = $3, artifact_sha256 = $4
       WHERE id = $1 AND source_uri IS NOT NULL AND artifact_key IS NULL AND deleted_at IS NULL`,
      [versionId, a.key, a.size, a.sha256],
    );
    const rows = await em.query<Array<{ artifact_key: string | null; artifact_size: string | null; artifact_sha256: string | null; deleted_at: Date | null }>>(
      `SELECT artifact_key, artifact_size, artifact_sha256, deleted_at FROM registry.model_versions WHERE id = $1`,
      [versionId],
    );
    const row = rows[0];
    const pinned = row?.artifact_key && row.artifact_size !== null && row.artifact_sha256 ? { key: row.artifact_key, size: Number(row.artifact_size), sha256: row.artifact_sha256 } : null;
    return { pinned, deletedAt: row?.deleted_at ?? null };
  }

  async aliasesOf(em: EntityManager, modelId: string, numbers: number[]): Promise<Map<number, string[]>> {
    const out = new Map<number, string[]>();
    if (numbers.length === 0) return out;
    const rows = await em.query<Array<{ version: number; alias: string }>>(`SELECT version, alias FROM registry.model_aliases WHERE model_id = $1 AND version = ANY($2::int[]) ORDER BY alias`, [modelId, numbers]);
    for (const r of rows) out.set(r.version, [...(out.get(r.version) ?? []), r.alias]);
    return out;
  }

  /** The version an alias points at, or null. */
  async versionOfAlias(em: EntityManager, modelId: string, alias: string): Promise<number | null> {
    const rows = await em.query<Array<{ version: number }>>(`SELECT version FROM registry.model_aliases WHERE model_id = $1 AND lower(alias) = lower($2)`, [modelId, alias]);
    return rows[0]?.version ?? null;
  }

  async view(em: EntityManager, model: ModelEntity, v: ModelVersionEntity): Promise<VersionView> {
    const aliases = await this.aliasesOf(em, model.id, [v.version]);
    return { version: v, modelName: model.name, aliases: aliases.get(v.version) ?? [] };
  }

  async list(em: EntityManager, model: ModelEntity, f: VersionFilter): Promise<VersionView[]> {
    const qb = em.createQueryBuilder(ModelVersionEntity, 'v').where('v.model_id = :m AND v.deleted_at IS NULL', { m: model.id });
    if (f.stage) qb.andWhere('v.stage = :stage', { stage: f.stage });
    if (f.status) qb.andWhere('v.status = :status', { status: f.status });
    if (f.alias) qb.andWhere('v.version IN (SELECT a.version FROM registry.model_aliases a WHERE a.model_id = :m AND lower(a.alias) = lower(:alias))', { alias: f.alias });
    if (f.below !== undefined) qb.andWhere('v.version < :below', { below: f.below });
    const rows = await qb.orderBy('v.version', 'DESC').limit(f.limit).getMany();
    const aliases = await this.aliasesOf(em, model.id, rows.map((r) => r.version));
    return rows.map((version) => ({ version, modelName: model.name, aliases: aliases.get(version.version) ?? [] }));
  }
}
