import { z } from 'zod';

export const MODEL_RESTORED = 'shipyard.registry.model.restored.v1' as const;
export const MODEL_VERSION_CREATED = 'shipyard.registry.model_version.created.v1' as const;
export const MODEL_VERSION_UPDATED = 'shipyard.registry.model_version.updated.v1' as const;
export const MODEL_VERSION_READY = 'shipyard.registry.model_version.ready.v1' as const;
export const MODEL_VERSION_UPLOAD_FAILED = 'shipyard.registry.model_version.upload_failed.v1' as const;
export const MODEL_VERSION_DELETED = 'shipyard.registry.model_version.deleted.v1' as const;

const versionRef = { id: z.uuid(), modelId: z.uuid(), modelName: z.string(), version: z.number().int().positive() };

export const ModelRestoredPayload = z.object({ id: z.uuid(), name: z.string() });
export const ModelVersionCreatedPayload = z.object({ ...versionRef, framework: z.string(), sourceRunId: z.string().nullable() });
export const ModelVersionUpdatedPayload = z.object({ ...versionRef, changed: z.array(z.string()) });
export const ModelVersionReadyPayload = z.object({ ...versionRef, size: z.number().int().nonnegative(), sha256: z.string(), via: z.enum(['stream', 'presigned']), hasSignature: z.boolean() });
export const ModelVersionUploadFailedPayload = z.object({ ...versionRef, reason: z.string(), via: z.enum(['stream', 'presigned']) });
/** A soft delete: the row stays, hidden from every read; `stage` is the one it had, `removedAliases` pointed at it. */
export const ModelVersionDeletedPayload = z.object({ ...versionRef, stage: z.string(), removedAliases: z.array(z.string()) });
export type ModelVersionCreatedPayload = z.infer<typeof ModelVersionCreatedPayload>;
export type ModelVersionReadyPayload = z.infer<typeof ModelVersionReadyPayload>;
export type ModelVersionDeletedPayload = z.infer<typeof ModelVersionDeletedPayload>;

export const VERSION_EVENTS = {
  [MODEL_RESTORED]: ModelRestoredPayload,
  [MODEL_VERSION_CREATED]: ModelVersionCreatedPayload,
  [MODEL_VERSION_UPDATED]: ModelVersionUpdatedPayload,
  [MODEL_VERSION_READY]: ModelVersionReadyPayload,
  [MODEL_VERSION_UPLOAD_FAILED]: ModelVersionUploadFailedPayload,
  [MODEL_VERSION_DELETED]: ModelVersionDeletedPayload,
} as const;
