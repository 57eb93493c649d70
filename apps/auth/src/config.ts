import { z } from 'zod';
import { baseConfigShape, fields, loadConfig } from '@shipyard/config';

export const authConfigShape = {
  ...baseConfigShape,
  SHIPYARD_AUTH_PORT: fields.port.default(8081),
  SHIPYARD_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be redis://host:port').default('redis://127.0.0.1:6379'),
  /** Namespace for every Redis key (rate-limit counters), so several deployments can share one Redis. */
  SHIPYARD_REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]+$/).default('shipyard'),
  /** First admin, created at first boot when no user exists. */
  SHIPYARD_ADMIN_EMAIL: z.email().optional(),
  SHIPYARD_ADMIN_PASSWORD: z.string().min(1).optional(),
  SHIPYARD_ALLOW_SIGNUP: fields.bool.default(false),
  /**
   * JSON array of private JWKs (Ed25519, each with a `kid`). The first signs; all are published so
   * tokens signed by the previous key stay valid during a rollover. Unset in development: a key is
   * generated once and kept in the database (refused in production).
   */
  SHIPYARD_JWT_PRIVATE_KEYS: z.string().min(2).optional(),
  SHIPYARD_JWT_ISSUER: z.string().min(1).default('shipyard'),
  SHIPYARD_JWT_AUDIENCE: z.string().min(1).default('shipyard-api'),
  SHIPYARD_ACCESS_TOKEN_TTL_S: z.coerce.number().int().min(30).max(86_400).default(900),
  SHIPYARD_REFRESH_TOKEN_TTL_S: z.coerce.number().int().min(300).max(90 * 86_400).default(30 * 86_400),
  /** Login attempts per account per minute, across replicas (Redis). */
  SHIPYARD_LOGIN_LIMIT_PER_ACCOUNT: z.coerce.number().int().min(1).max(1_000_000).default(10),
  /** argon2id cost; the defaults follow OWASP's minimum (19 MiB, 2 passes, 1 lane). */
  SHIPYARD_ARGON2_MEMORY_KIB: z.coerce.number().int().min(8192).max(1_048_576).default(19_456),
  SHIPYARD_ARGON2_TIME_COST: z.coerce.number().int().min(1).max(10).default(2),
};

export type AuthConfig = ReturnType<typeof loadAuthConfig>;

export function loadAuthConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(authConfigShape, env);
}
