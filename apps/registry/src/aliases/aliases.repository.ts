import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { queryReturning } from '@shipyard/persistence';

export interface AliasRow {
  alias: string;
  version: number;
  updatedBy: string;
  updatedAt: Date;
}

interface Raw {
  alias: string;
  version: number;
  updated_by: string;
  updated_at: Date;
}

const toRow = (r: Raw): AliasRow => ({ alias: r.alias, version: r.version, updatedBy: r.updated_by, updatedAt: r.updated_at });

/** registry.model_aliases: one version per alias per model, aliases matched case-insensitively. */
@Injectable()
export class AliasesRepository {
  async find(em: EntityManager, modelId: string, alias: string): Promise<AliasRow | null> {
    const rows = await em.query<Raw[]>(`SELECT alias, version, updated_by, updated_at FROM registry.model_aliases WHERE model_id = $1 AND lower(alias) = lower($2)`, [modelId, alias]);
    return rows[0] ? toRow(rows[0]) : null;
  }

  /** Every alias of a model, by name. */
  async listOf(em: EntityManager, modelId: string): Promise<AliasRow[]> {
    return (await em.query<Raw[]>(`SELECT alias, version, updated_by, updated_at FROM registry.model_aliases WHERE model_id = $1 ORDER BY alias`, [modelId])).map(toRow);
  }

  async insert(em: EntityManager, modelId: string, row: AliasRow): Promise<void> {
    await em.query(`INSERT INTO registry.model_aliases (model_id, alias, version, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)`, [modelId, row.alias, row.version, row.updatedBy, row.updatedAt]);
  }

  async move(em: EntityManager, modelId: string, row: AliasRow): Promise<void> {
    await em.query(`UPDATE registry.model_aliases SET version = $3, updated_by = $4, updated_at = $5 WHERE model_id = $1 AND lower(alias) = lower($2)`, [modelId, row.alias, row.version, row.updatedBy, row.updatedAt]);
  }

  /** Removes every alias pointing at version `version` of the model; returns them, by name. */
  async deleteForVersion(em: EntityManager, modelId: string, version: number): Promise<AliasRow[]> {
    const rows = await queryReturning<Raw>(em, `DELETE FROM registry.model_aliases WHERE model_id = $1 AND version = $2 RETURNING alias, version, updated_by, updated_at`, [modelId, version]);
    return rows.map(toRow).sort((a, b) => a.alias.localeCompare(b.alias));
  }

  async delete(em: EntityManager, modelId: string, alias: string): Promise<AliasRow | null> {
    const rows = await queryReturning<Raw>(em, `DELETE FROM registry.model_aliases WHERE model_id = $1 AND lower(alias) = lower($2) RETURNING alias, version, updated_by, updated_at`, [modelId, alias]);
    return rows[0] ? toRow(rows[0]) : null;
  }
}
