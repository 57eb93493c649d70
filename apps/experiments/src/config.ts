import { assertProductionSafe, baseConfigShape, DEV_S3_SECRET, fields, loadConfig, s3ConfigShape } from '@shipyard/config';
import { z } from 'zod';

export const experimentsConfigShape = {
  ...baseConfigShape,
  /** Run artifacts uploaded through the MLflow artifacts proxy go to this S3 (the bucket below). */
  ...s3ConfigShape,
  SHIPYARD_EXPERIMENTS_PORT: fields.port.default(8083),
  /** Bucket of the default artifact location, s3://<bucket>/experiments/<id>. */
  SHIPYARD_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name').default('shipyard-artifacts'),
  /** Largest request body: a full log-batch (1,000 metrics, 100 params of up to 6,000 characters) is ~1 MB. */
  SHIPYARD_EXPERIMENTS_BODY_LIMIT_BYTES: z.coerce.number().int().min(65_536).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
};

export type ExperimentsConfig = ReturnType<typeof loadExperimentsConfig>;

export function loadExperimentsConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(experimentsConfigShape, env);
  assertProductionSafe(config.SHIPYARD_ENV, [{ name: 'SHIPYARD_S3_SECRET_KEY', insecure: config.SHIPYARD_S3_SECRET_KEY === DEV_S3_SECRET }]);
  return config;
}
