import type { ReviewResponse } from '@shipyard/contracts';
import type { VersionView } from '../versions/model-version.entity';
import type { DecisionRow, ReviewRow } from './reviews.repository';

export function toReviewResponse(view: VersionView, r: ReviewRow, decisions: readonly DecisionRow[]): ReviewResponse {
  return {
    id: r.id,
    versionId: r.versionId,
    modelName: view.modelName,
    version: view.version.version,
    status: r.status,
    comment: r.comment,
    submittedBy: r.submittedBy,
    submittedByUserId: r.submittedByUser,
    decisions: decisions.map((d) => ({ approverUserId: d.approverUser, approver: d.approver, decision: d.decision, comment: d.comment, decidedAt: d.decidedAt.toISOString() })),
    createdAt: r.createdAt.toISOString(),
    closedAt: r.closedAt?.toISOString() ?? null,
  };
}

export const versionRefOf = (view: VersionView) => ({ versionId: view.version.id, modelId: view.version.modelId, modelName: view.modelName, version: view.version.version });
