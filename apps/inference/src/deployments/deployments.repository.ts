import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { ModelRef, Stage } from '../models/model-ref';
import { DeploymentEntity } from './deployment.entity';

/** The reference a deployment records (a row, or the `reference` of a deployment event): nulls are unset. */
export function refOf(d: { model: string; version: number | null; alias: string | null; stage: string | null }): ModelRef {
  return { model: d.model, ...(d.version !== null ? { version: d.version } : {}), ...(d.alias !== null ? { alias: d.alias } : {}), ...(d.stage !== null ? { stage: d.stage as Stage } : {}) };
}

@Injectable()
export class DeploymentsRepository {
  constructor(private readonly ds: DataSource) {}

  all(): Promise<DeploymentEntity[]> {
    return this.ds.getRepository(DeploymentEntity).find({ order: { model: 'ASC' } });
  }

  /** Inserts, or points the model's existing deployment at the new reference (same id). */
  async upsert(em: EntityManager, d: DeploymentEntity): Promise<DeploymentEntity> {
    const rows = returned<{ id: string; created_by: string; created_at: Date }>(await em.query(
      `INSERT INTO inference.deployments (id, model, version, alias, stage, created_by, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $7)
       ON CONFLICT (model) DO UPDATE SET version = EXCLUDED.version, alias = EXCLUDED.alias, stage = EXCLUDED.stage, updated_at = EXCLUDED.updated_at
       RETURNING id, created_by, created_at`,
      [d.id, d.model, d.version, d.alias, d.stage, d.createdBy, d.createdAt],
    ));
    const row = rows[0];
    return Object.assign(new DeploymentEntity(), d, row ? { id: row.id, createdBy: row.created_by, createdAt: row.created_at } : {});
  }

  /** Deletes the model's deployment (its name in any case, as the registry's names) and returns it, or null when there was none. */
  async delete(em: EntityManager, model: string): Promise<{ id: string; model: string } | null> {
    return returned<{ id: string; model: string }>(await em.query('DELETE FROM inference.deployments WHERE lower(model) = lower($1) RETURNING id, model', [model]))[0] ?? null;
  }
}

/** TypeORM answers UPDATE/DELETE … RETURNING with [rows, count] on pg, INSERT … RETURNING with rows. */
function returned<T>(result: unknown): T[] {
  if (Array.isArray(result) && result.length === 2 && Array.isArray(result[0]) && typeof result[1] === 'number') return result[0] as T[];
  return result as T[];
}
