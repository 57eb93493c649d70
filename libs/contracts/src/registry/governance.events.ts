import { z } from 'zod';

/** Aliases, stages, gates, reviews and model cards. Each event's aggregate type is its subject's aggregate segment. */
export const MODEL_ALIAS_SET = 'shipyard.registry.model_alias.set.v1' as const;
export const MODEL_ALIAS_DELETED = 'shipyard.registry.model_alias.deleted.v1' as const;
export const MODEL_VERSION_PROMOTED = 'shipyard.registry.model_version.promoted.v1' as const;
export const MODEL_VERSION_PROMOTION_REFUSED = 'shipyard.registry.model_version.promotion_refused.v1' as const;
export const MODEL_GATES_UPDATED = 'shipyard.registry.model_gates.updated.v1' as const;
export const MODEL_REVIEW_SUBMITTED = 'shipyard.registry.model_review.submitted.v1' as const;
export const MODEL_REVIEW_DECIDED = 'shipyard.registry.model_review.decided.v1' as const;
export const MODEL_CARD_CREATED = 'shipyard.registry.model_card.created.v1' as const;
export const MODEL_CARD_UPDATED = 'shipyard.registry.model_card.updated.v1' as const;
export const MODEL_CARD_STATUS_CHANGED = 'shipyard.registry.model_card.status_changed.v1' as const;

const stage = z.enum(['None', 'Staging', 'Production', 'Archived']);
const cardStatus = z.enum(['Draft', 'PendingReview', 'Approved', 'Archived']);
const versionRef = { versionId: z.uuid(), modelId: z.uuid(), modelName: z.string(), version: z.number().int().positive() };
export const GateResult = z.object({
  gate: z.string(),
  passed: z.boolean(),
  actual: z.union([z.number(), z.string()]).nullable(),
  expected: z.union([z.number(), z.string()]),
  reason: z.string().nullable(),
});
export type GateResult = z.infer<typeof GateResult>;

export const ModelAliasSetPayload = z.object({ modelId: z.uuid(), modelName: z.string(), alias: z.string(), version: z.number().int().positive(), previousVersion: z.number().int().positive().nullable() }).strict();
export const ModelAliasDeletedPayload = z.object({ modelId: z.uuid(), modelName: z.string(), alias: z.string(), version: z.number().int().positive() }).strict();
export const ModelVersionPromotedPayload = z.object({ ...versionRef, decisionId: z.uuid(), fromStage: stage, toStage: stage, archivedVersions: z.array(z.number().int().positive()), gates: z.array(GateResult) }).strict();
export const ModelVersionPromotionRefusedPayload = z.object({ ...versionRef, decisionId: z.uuid(), fromStage: stage, toStage: stage, failedGates: z.array(z.string()), gates: z.array(GateResult) }).strict();
export const ModelGatesUpdatedPayload = z.object({ modelId: z.uuid(), modelName: z.string(), changed: z.array(z.string()) }).strict();
export const ModelReviewSubmittedPayload = z.object({ ...versionRef, reviewId: z.uuid() }).strict();
export const ModelReviewDecidedPayload = z.object({ ...versionRef, reviewId: z.uuid(), decision: z.enum(['approve', 'reject']), status: z.enum(['PENDING', 'APPROVED', 'REJECTED']), approvals: z.number().int().nonnegative() }).strict();
export const ModelCardCreatedPayload = z.object({ ...versionRef, status: cardStatus }).strict();
export const ModelCardUpdatedPayload = z.object({ ...versionRef, changed: z.array(z.string()) }).strict();
export const ModelCardStatusChangedPayload = z.object({ ...versionRef, from: cardStatus, to: cardStatus }).strict();

export const GOVERNANCE_EVENTS: Readonly<Record<string, z.ZodType<Record<string, unknown>>>> = {
  [MODEL_ALIAS_SET]: ModelAliasSetPayload,
  [MODEL_ALIAS_DELETED]: ModelAliasDeletedPayload,
  [MODEL_VERSION_PROMOTED]: ModelVersionPromotedPayload,
  [MODEL_VERSION_PROMOTION_REFUSED]: ModelVersionPromotionRefusedPayload,
  [MODEL_GATES_UPDATED]: ModelGatesUpdatedPayload,
  [MODEL_REVIEW_SUBMITTED]: ModelReviewSubmittedPayload,
  [MODEL_REVIEW_DECIDED]: ModelReviewDecidedPayload,
  [MODEL_CARD_CREATED]: ModelCardCreatedPayload,
  [MODEL_CARD_UPDATED]: ModelCardUpdatedPayload,
  [MODEL_CARD_STATUS_CHANGED]: ModelCardStatusChangedPayload,
};
