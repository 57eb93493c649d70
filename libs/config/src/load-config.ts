import { z } from 'zod';

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export const Environment = z.enum(['development', 'test', 'production']);
export type Environment = z.infer<typeof Environment>;

const port = z.coerce.number().int().min(1).max(65535);
const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const url = (protocols: string[]) =>
  z.string().refine((v) => {
    try {
      return protocols.includes(new URL(v).protocol);
    } catch {
      return false;
    }
  }, `must be a URL (${protocols.join(' or ')})`);

/** Reusable field types, so every service spells a port or a URL the same way. */
export const fields = {
  port,
  bool,
  postgresUrl: url(['postgres:', 'postgresql:']),
  natsUrl: z.string().min(1).refine((v) => v.split(',').every((u) => /^(nats|tls):\/\/[^\s]+$/.test(u.trim())), 'must be nats://host:port (comma-separated for a cluster)'),
  httpUrl: url(['http:', 'https:']),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
};

/** What every service reads: environment, database, NATS, logging. */
export const baseConfigShape = {
  SHIPYARD_ENV: Environment.default('development'),
  /** Interface to listen on: loopback for a laptop, 0.0.0.0 in a container. */
  SHIPYARD_BIND_HOST: z.string().min(1).default('127.0.0.1'),
  SHIPYARD_DATABASE_URL: fields.postgresUrl.default('postgres://postgres@127.0.0.1:5432/shipyard'),
  SHIPYARD_DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  SHIPYARD_NATS_URL: fields.natsUrl.default('nats://127.0.0.1:4222'),
  SHIPYARD_EVENTS_STREAM: z.string().regex(/^[A-Za-z0-9_-]+$/).default('SHIPYARD_EVENTS'),
  SHIPYARD_LOG_LEVEL: fields.logLevel.default('info'),
  SHIPYARD_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(10_000),
  /** Off only to run the relay elsewhere (or, in tests, to hold events between commit and publish). */
  SHIPYARD_OUTBOX_RELAY_ENABLED: fields.bool.default(true),
  /** A second port serving only /metrics, for a NetworkPolicy that lets Prometheus in but not to the API (0: off). */
  SHIPYARD_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(0),
};

/**
 * Parses `env` against `shape` and fails with every bad variable named. Unknown SHIPYARD_* variables
 * are ignored so that one environment can feed several services.
 */
export function loadConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const schema = z.object(shape);
  const input: Record<string, string> = {};
  for (const key of Object.keys(shape)) {
    const value = env[key];
    if (value !== undefined && value !== '') input[key] = value;
  }
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((i) => {
        const name = i.path.join('.') || '(config)';
        const got = env[name];
        return got === undefined ? `${name}: ${i.message}` : `${name}=${JSON.stringify(redactIfSecret(name, got))}: ${i.message}`;
      }),
    );
  }
  return result.data;
}

const SECRET_NAME = /(PASSWORD|SECRET|TOKEN|KEY)/;
function redactIfSecret(name: string, value: string): string {
  return SECRET_NAME.test(name) ? '<redacted>' : value;
}

/** Throws when a production deployment still carries a development default that must be set. */
export function assertProductionSafe(env: Environment, checks: Array<{ name: string; insecure: boolean }>): void {
  if (env !== 'production') return;
  const bad = checks.filter((c) => c.insecure).map((c) => `${c.name}: a development default is not allowed when SHIPYARD_ENV=production`);
  if (bad.length) throw new ConfigError(bad);
}

/** Dev-only S3 credentials (docker-compose's MinIO and the local s3rver); refused in production. */
export const DEV_S3_SECRET = 'shipyard-dev-secret';

/** S3 (MinIO, AWS, any S3 API) for services that keep artifacts. */
export const s3ConfigShape = {
  SHIPYARD_S3_ENDPOINT: fields.httpUrl.default('http://127.0.0.1:9000'),
  /** Endpoint clients outside the cluster use for presigned URLs; defaults to SHIPYARD_S3_ENDPOINT. */
  SHIPYARD_S3_PUBLIC_ENDPOINT: fields.httpUrl.optional(),
  SHIPYARD_S3_BUCKET: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid S3 bucket name').default('shipyard-artifacts'),
  SHIPYARD_S3_ACCESS_KEY: z.string().min(1).default('shipyard'),
  SHIPYARD_S3_SECRET_KEY: z.string().min(1).default(DEV_S3_SECRET),
  SHIPYARD_S3_REGION: z.string().min(1).default('us-east-1'),
  /** Objects up to this size go up in one PUT; larger ones multipart. Also bounds memory per upload. */
  SHIPYARD_S3_PART_SIZE_MB: z.coerce.number().int().min(5).max(5120).default(64),
  /** A call or a transfer on which S3 moves nothing for this long fails as unavailable (503), not hangs; an idle limit, not a deadline. */
  SHIPYARD_S3_TIMEOUT_S: z.coerce.number().int().min(1).max(3600).default(30),
};
