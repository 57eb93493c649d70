import { z } from 'zod';

export const EXPERIMENT_CREATED = 'shipyard.experiments.experiment.created.v1' as const;
export const EXPERIMENT_UPDATED = 'shipyard.experiments.experiment.updated.v1' as const;
export const EXPERIMENT_DELETED = 'shipyard.experiments.experiment.deleted.v1' as const;
export const EXPERIMENT_RESTORED = 'shipyard.experiments.experiment.restored.v1' as const;
export const RUN_CREATED = 'shipyard.experiments.run.created.v1' as const;
export const RUN_UPDATED = 'shipyard.experiments.run.updated.v1' as const;
export const RUN_DELETED = 'shipyard.experiments.run.deleted.v1' as const;
export const RUN_RESTORED = 'shipyard.experiments.run.restored.v1' as const;
/** One event per logging call (single or batch), with counts: never one per metric. */
export const RUN_DATA_LOGGED = 'shipyard.experiments.run.data_logged.v1' as const;
export const RUN_TAG_DELETED = 'shipyard.experiments.run.tag_deleted.v1' as const;
export const RUN_INPUTS_LOGGED = 'shipyard.experiments.run.inputs_logged.v1' as const;
/** A file written through MLflow's artifacts proxy (mlflow-artifacts:/ URIs). */
export const RUN_ARTIFACT_UPLOADED = 'shipyard.experiments.run.artifact_uploaded.v1' as const;

export const ExperimentCreatedPayload = z.object({ id: z.uuid(), name: z.string(), artifactLocation: z.string(), tags: z.record(z.string(), z.string()) });
export type ExperimentCreatedPayload = z.infer<typeof ExperimentCreatedPayload>;

export const ExperimentUpdatedPayload = z.object({ id: z.uuid(), name: z.string(), changed: z.array(z.string()) });
export type ExperimentUpdatedPayload = z.infer<typeof ExperimentUpdatedPayload>;

export const ExperimentLifecyclePayload = z.object({ id: z.uuid(), name: z.string() });
export type ExperimentLifecyclePayload = z.infer<typeof ExperimentLifecyclePayload>;

export const RunCreatedPayload = z.object({ id: z.uuid(), experimentId: z.uuid(), name: z.string().nullable(), status: z.string(), startTime: z.string(), userId: z.string().nullable() });
export type RunCreatedPayload = z.infer<typeof RunCreatedPayload>;

export const RunUpdatedPayload = z.object({ id: z.uuid(), experimentId: z.uuid(), status: z.string(), changed: z.array(z.string()) });
export type RunUpdatedPayload = z.infer<typeof RunUpdatedPayload>;

export const RunLifecyclePayload = z.object({ id: z.uuid(), experimentId: z.uuid() });
export type RunLifecyclePayload = z.infer<typeof RunLifecyclePayload>;

export const RunDataLoggedPayload = z.object({
  id: z.uuid(),
  experimentId: z.uuid(),
  metrics: z.number().int().nonnegative(),
  params: z.number().int().nonnegative(),
  tags: z.number().int().nonnegative(),
  /** Distinct metric keys in the call (metrics can repeat a key at several steps). */
  metricKeys: z.number().int().nonnegative(),
  paramKeys: z.array(z.string()),
  tagKeys: z.array(z.string()),
});
export type RunDataLoggedPayload = z.infer<typeof RunDataLoggedPayload>;

export const RunTagDeletedPayload = z.object({ id: z.uuid(), experimentId: z.uuid(), key: z.string() });
export type RunTagDeletedPayload = z.infer<typeof RunTagDeletedPayload>;

export const RunInputsLoggedPayload = z.object({
  id: z.uuid(),
  experimentId: z.uuid(),
  datasets: z.array(z.object({ id: z.uuid(), name: z.string(), digest: z.string(), context: z.string() })),
});
export type RunInputsLoggedPayload = z.infer<typeof RunInputsLoggedPayload>;

export const RunArtifactUploadedPayload = z.object({
  /** Object key in the artifact bucket, e.g. experiments/<experiment id>/<run id>/artifacts/model.onnx. */
  path: z.string(),
  size: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  contentType: z.string().nullable(),
  /** From the path when it has the default layout experiments/<experiment id>/<run id>/…, else null. */
  experimentId: z.string().nullable(),
  runId: z.uuid().nullable(),
});
export type RunArtifactUploadedPayload = z.infer<typeof RunArtifactUploadedPayload>;

export const EXPERIMENTS_EVENTS = {
  [EXPERIMENT_CREATED]: ExperimentCreatedPayload,
  [EXPERIMENT_UPDATED]: ExperimentUpdatedPayload,
  [EXPERIMENT_DELETED]: ExperimentLifecyclePayload,
  [EXPERIMENT_RESTORED]: ExperimentLifecyclePayload,
  [RUN_CREATED]: RunCreatedPayload,
  [RUN_UPDATED]: RunUpdatedPayload,
  [RUN_DELETED]: RunLifecyclePayload,
  [RUN_RESTORED]: RunLifecyclePayload,
  [RUN_DATA_LOGGED]: RunDataLoggedPayload,
  [RUN_TAG_DELETED]: RunTagDeletedPayload,
  [RUN_INPUTS_LOGGED]: RunInputsLoggedPayload,
  [RUN_ARTIFACT_UPLOADED]: RunArtifactUploadedPayload,
} as const;
