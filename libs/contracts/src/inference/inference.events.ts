import { z } from 'zod';

export const DEPLOYMENT_CREATED = 'shipyard.inference.deployment.created.v1' as const;
export const DEPLOYMENT_DELETED = 'shipyard.inference.deployment.deleted.v1' as const;

const reference = z.object({
  version: z.number().int().positive().nullable(),
  alias: z.string().nullable(),
  stage: z.string().nullable(),
});

/** A model is served from now on (or again, with another reference): what was asked and what was loaded. */
export const DeploymentCreatedPayload = z.object({ id: z.uuid(), model: z.string(), reference, servedVersion: z.number().int(), sha256: z.string() }).strict();
export type DeploymentCreatedPayload = z.infer<typeof DeploymentCreatedPayload>;

export const DeploymentDeletedPayload = z.object({ id: z.uuid(), model: z.string() }).strict();
export type DeploymentDeletedPayload = z.infer<typeof DeploymentDeletedPayload>;

export const INFERENCE_EVENTS = {
  [DEPLOYMENT_CREATED]: DeploymentCreatedPayload,
  [DEPLOYMENT_DELETED]: DeploymentDeletedPayload,
} as const;
