import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { baseConfigShape, fields, loadConfig } from '@shipyard/config';
import { z } from 'zod';
import { parseModelRefs } from './models/model-ref';

export const inferenceConfigShape = {
  ...baseConfigShape,
  SHIPYARD_INFERENCE_PORT: fields.port.default(8085),
  /** Models served from boot: `churn,fraud:3,ranker@champion,scorer@stage:Production`. */
  SHIPYARD_INFERENCE_MODELS: z
    .string()
    .default('')
    .superRefine((v, ctx) => {
      try {
        parseModelRefs(v);
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: (e as Error).message });
      }
    }),
  /** Downloaded artifacts, one file per sha256. */
  SHIPYARD_INFERENCE_CACHE_DIR: z.string().min(1).default(join(tmpdir(), 'shipyard-model-cache')),
  /**
   * Processes serving behind the one port (node's cluster module), each a whole instance with its own
   * event loop, models and batching: set it to the pod's CPU count so HTTP parsing and JSON use every core.
   */
  SHIPYARD_INFERENCE_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  /** Worker threads per model, each with its own ORT session. */
  SHIPYARD_INFERENCE_WORKERS: z.coerce.number().int().min(1).max(64).default(1),
  SHIPYARD_INFERENCE_INTRA_OP_THREADS: z.coerce.number().int().min(1).max(64).default(1),
  SHIPYARD_INFERENCE_BATCHING: fields.bool.default(true),
  SHIPYARD_INFERENCE_MAX_BATCH_SIZE: z.coerce.number().int().min(1).max(65_536).default(64),
  /** Longest a request waits for a batch to fill while a worker is free (µs; Triton's max_queue_delay_microseconds). */
  SHIPYARD_INFERENCE_MAX_QUEUE_DELAY_US: z.coerce.number().int().min(0).max(10_000_000).default(0),
  /** Inferences per worker, from the signature, before a model is ready. */
  SHIPYARD_INFERENCE_WARMUP_RUNS: z.coerce.number().int().min(0).max(1000).default(3),
  /** Largest request body on the inference routes. */
  SHIPYARD_INFERENCE_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
  /** Timeout of the registry's resolve call. */
  /** Re-resolve models that follow an alias, stage or "newest" this often, in case a registry event was missed (0: events only). */
  SHIPYARD_INFERENCE_RECONCILE_S: z.coerce.number().int().min(0).max(86_400).default(30),
  SHIPYARD_INFERENCE_RESOLVE_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(5_000),
};

export type InferenceConfig = ReturnType<typeof loadInferenceConfig>;

export function loadInferenceConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(inferenceConfigShape, env);
}
