import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { LineageModelVersion } from '@shipyard/contracts';
import { UUID_PATTERN } from '@shipyard/persistence';

interface VersionRow {
  id: string;
  model_id: string;
  model_name: string;
  version: number;
  stage: string;
  status: string;
  source_run_id: string | null;
  created_at: Date;
}

const SELECT = `SELECT v.id, v.model_id, m.name AS model_name, v.version, v.stage, v.status, v.source_run_id, v.created_at
  FROM registry.model_versions v JOIN registry.models m ON m.id = v.model_id AND m.deleted_at IS NULL AND v.deleted_at IS NULL`;

function toLineage(r: VersionRow): LineageModelVersion {
  return { id: r.id, modelId: r.model_id, modelName: r.model_name, version: r.version, stage: r.stage, status: r.status, sourceRunId: r.source_run_id, createdAt: r.created_at.toISOString() };
}

/** Versions of live models by id or by source run, for lineage graphs. */
@Injectable()
export class LineageRepository {
  async byId(em: EntityManager, id: string): Promise<LineageModelVersion | null> {
    if (!UUID_PATTERN.test(id)) return null;
    const [row] = await em.query<VersionRow[]>(`${SELECT} WHERE v.id = $1`, [id]);
    return row ? toLineage(row) : null;
  }

  /** Up to `limit` versions (oldest first) whose source run is one of `runIds` (model_versions_run_idx). */
  async bySourceRuns(em: EntityManager, runIds: string[], limit: number): Promise<LineageModelVersion[]> {
    const rows = await em.query<VersionRow[]>(`${SELECT} WHERE v.source_run_id = ANY($1::text[]) ORDER BY v.created_at, v.id LIMIT $2`, [runIds, limit]);
    return rows.map(toLineage);
  }
}
