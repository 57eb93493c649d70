import { z } from 'zod';

export const MODEL_CREATED = 'shipyard.registry.model.created.v1' as const;
export const MODEL_UPDATED = 'shipyard.registry.model.updated.v1' as const;
export const MODEL_DELETED = 'shipyard.registry.model.deleted.v1' as const;

export const ModelCreatedPayload = z.object({
  id: z.uuid(),
  name: z.string(),
  description: z.string().nullable(),
  tags: z.array(z.string()),
  ownerId: z.string(),
});
export type ModelCreatedPayload = z.infer<typeof ModelCreatedPayload>;

export const ModelUpdatedPayload = z.object({ id: z.uuid(), name: z.string(), changed: z.array(z.string()) });
export type ModelUpdatedPayload = z.infer<typeof ModelUpdatedPayload>;

export const ModelDeletedPayload = z.object({ id: z.uuid(), name: z.string() });
export type ModelDeletedPayload = z.infer<typeof ModelDeletedPayload>;

export const REGISTRY_EVENTS = {
  [MODEL_CREATED]: ModelCreatedPayload,
  [MODEL_UPDATED]: ModelUpdatedPayload,
  [MODEL_DELETED]: ModelDeletedPayload,
} as const;
