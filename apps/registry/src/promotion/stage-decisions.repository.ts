import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { GateResult, Stage } from '@shipyard/contracts';
import { queryReturning } from '@shipyard/persistence';

export interface StageDecisionRow {
  id: string;
  versionId: string;
  fromStage: Stage;
  toStage: Stage;
  allowed: boolean;
  gates: GateResult[];
  archivedVersions: number[];
  decidedBy: string;
  decidedAt: Date;
}

interface Raw {
  id: string;
  version_id: string;
  from_stage: Stage;
  to_stage: Stage;
  allowed: boolean;
  gate_results: GateResult[];
  archived_versions: number[];
  decided_by: string;
  decided_at: Date;
}

const toRow = (r: Raw): StageDecisionRow => ({ id: r.id, versionId: r.version_id, fromStage: r.from_stage, toStage: r.to_stage, allowed: r.allowed, gates: r.gate_results, archivedVersions: r.archived_versions, decidedBy: r.decided_by, decidedAt: r.decided_at });

/** registry.stage_decisions (append-only by trigger) and the stage moves they record. */
@Injectable()
export class StageDecisionsRepository {
  async insert(em: EntityManager, d: StageDecisionRow): Promise<void> {
    await em.query(`INSERT INTO registry.stage_decisions (id, version_id, from_stage, to_stage, allowed, gate_results, archived_versions, decided_by, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, [
      d.id, d.versionId, d.fromStage, d.toStage, d.allowed, JSON.stringify(d.gates), d.archivedVersions, d.decidedBy, d.decidedAt,
    ]);
  }

  /** Newest first. */
  async listForVersion(em: EntityManager, versionId: string, limit: number, beforeId?: string): Promise<StageDecisionRow[]> {
    const rows = await em.query<Raw[]>(
      `SELECT * FROM registry.stage_decisions WHERE version_id = $1 AND ($2::uuid IS NULL OR id < $2::uuid) ORDER BY id DESC LIMIT $3`,
      [versionId, beforeId ?? null, limit],
    );
    return rows.map(toRow);
  }

  /** Moves the model's other versions in `stage` to Archived; returns their numbers. */
  async archiveOthersIn(em: EntityManager, modelId: string, stage: Stage, exceptVersionId: string, at: Date): Promise<number[]> {
    const rows = await queryReturning<{ version: number }>(
      em,
      `UPDATE registry.model_versions SET stage = 'Archived', updated_at = $3 WHERE model_id = $1 AND stage = $4 AND id <> $2 AND deleted_at IS NULL RETURNING version`,
      [modelId, exceptVersionId, at, stage],
    );
    return rows.map((r) => r.version).sort((a, b) => a - b);
  }
}
