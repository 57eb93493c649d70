import type { StageDecisionResponse } from '@shipyard/contracts';
import type { StageDecisionRow } from './stage-decisions.repository';

export function toStageDecisionResponse(d: StageDecisionRow, version: number): StageDecisionResponse {
  return { id: d.id, versionId: d.versionId, version, fromStage: d.fromStage, toStage: d.toStage, allowed: d.allowed, gates: d.gates, archivedVersions: d.archivedVersions, decidedBy: d.decidedBy, decidedAt: d.decidedAt.toISOString() };
}
