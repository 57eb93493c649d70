import { z } from 'zod';
import { assertProductionSafe, baseConfigShape, DEV_S3_SECRET, fields, loadConfig, s3ConfigShape } from '@shipyard/config';

export const registryConfigShape = {
  ...baseConfigShape,
  ...s3ConfigShape,
  SHIPYARD_REGISTRY_PORT: fields.port.default(8082),
  /** Default lifetime of presigned upload and download URLs. */
  SHIPYARD_ARTIFACT_URL_EXPIRY_S: z.coerce.number().int().min(1).max(604_800).default(900),
  /** Largest artifact accepted (streamed or presigned), in bytes. Default 20 GiB. */
  SHIPYARD_ARTIFACT_MAX_BYTES: z.coerce.number().int().min(1).default(20 * 1024 ** 3),
  /** How long the registry waits for the experiments service (gates, compare). */
  SHIPYARD_RPC_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
};

export type RegistryConfig = ReturnType<typeof loadRegistryConfig>;

export function loadRegistryConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(registryConfigShape, env);
  assertProductionSafe(config.SHIPYARD_ENV, [{ name: 'SHIPYARD_S3_SECRET_KEY', insecure: config.SHIPYARD_S3_SECRET_KEY === DEV_S3_SECRET }]);
  return config;
}
