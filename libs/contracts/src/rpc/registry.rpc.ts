import { z } from 'zod';
import { rpcContract } from './rpc';

export const TensorSpec = z.object({
  name: z.string(),
  /** ONNX element type name in lower case: float32, int64, string, … */
  dtype: z.string(),
  /** -1 for a dynamic dimension. */
  shape: z.array(z.number().int()),
});
export type TensorSpec = z.infer<typeof TensorSpec>;

export const ModelSignature = z.object({ inputs: z.array(TensorSpec), outputs: z.array(TensorSpec) });
export type ModelSignature = z.infer<typeof ModelSignature>;

/**
 * `rpc.registry.model_version.resolve.v1`: which READY version a reference points at, and where its
 * artifact is. Give `version`, `alias` or `stage` (at most one); none means the newest READY version.
 */
export const RESOLVE_MODEL_VERSION_RPC = rpcContract(
  'rpc.registry.model_version.resolve.v1',
  z
    .object({
      model: z.string().min(1).max(128),
      version: z.number().int().positive().optional(),
      alias: z.string().min(1).max(64).optional(),
      stage: z.enum(['None', 'Staging', 'Production', 'Archived']).optional(),
      /** Seconds the presigned artifact URL stays valid. */
      urlExpirySeconds: z.number().int().min(1).max(86_400).default(900),
    })
    .refine((r) => [r.version, r.alias, r.stage].filter((v) => v !== undefined).length <= 1, { message: 'give at most one of version, alias, stage' }),
  z.object({
    modelId: z.string(),
    modelName: z.string(),
    version: z.number().int(),
    stage: z.string(),
    aliases: z.array(z.string()),
    framework: z.string(),
    signature: ModelSignature.nullable(),
    artifact: z.object({ key: z.string(), size: z.number().int(), sha256: z.string(), url: z.string() }),
  }),
);

/** A model version as lineage sees it: identity, where it sits, and the run it was built from. */
export const LineageModelVersion = z.object({
  id: z.string(),
  modelId: z.string(),
  modelName: z.string(),
  version: z.number().int(),
  stage: z.string(),
  status: z.string(),
  sourceRunId: z.string().nullable(),
  createdAt: z.string(),
});
export type LineageModelVersion = z.infer<typeof LineageModelVersion>;

/** Most versions `rpc.registry.versions_by_runs.v1` returns in one reply; `truncated` says when there were more. */
export const VERSIONS_BY_RUNS_LIMIT = 500;

/** `rpc.registry.versions_by_runs.v1`: versions of live models built from any of these runs (oldest first). */
export const VERSIONS_BY_RUNS_RPC = rpcContract(
  'rpc.registry.versions_by_runs.v1',
  z.object({ runIds: z.array(z.string().min(1).max(64)).min(1).max(100) }),
  z.object({ versions: z.array(LineageModelVersion), truncated: z.boolean() }),
);

/** `rpc.registry.model_version.get.v1`: one version of a live model by its id; VERSION_NOT_FOUND otherwise. */
export const GET_MODEL_VERSION_RPC = rpcContract(
  'rpc.registry.model_version.get.v1',
  z.object({ id: z.string().min(1).max(64) }),
  LineageModelVersion,
);
