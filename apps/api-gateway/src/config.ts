import { baseConfigShape, fields, loadConfig } from '@shipyard/config';
import { z } from 'zod';
import { trustProxyField } from './proxy/client-address';

export const gatewayConfigShape = {
  SHIPYARD_ENV: baseConfigShape.SHIPYARD_ENV,
  SHIPYARD_BIND_HOST: baseConfigShape.SHIPYARD_BIND_HOST,
  SHIPYARD_LOG_LEVEL: baseConfigShape.SHIPYARD_LOG_LEVEL,
  SHIPYARD_SHUTDOWN_TIMEOUT_MS: baseConfigShape.SHIPYARD_SHUTDOWN_TIMEOUT_MS,
  SHIPYARD_NATS_URL: baseConfigShape.SHIPYARD_NATS_URL,
  SHIPYARD_GATEWAY_PORT: fields.port.default(8080),
  /** Processes behind the one port (node's cluster module), each with its own event loop, caches and upstream pools. */
  SHIPYARD_GATEWAY_PROCESSES: z.coerce.number().int().min(1).max(64).default(1),
  SHIPYARD_AUTH_URL: fields.httpUrl.default('http://127.0.0.1:8081'),
  SHIPYARD_REGISTRY_URL: fields.httpUrl.default('http://127.0.0.1:8082'),
  SHIPYARD_EXPERIMENTS_URL: fields.httpUrl.default('http://127.0.0.1:8083'),
  SHIPYARD_AUDIT_URL: fields.httpUrl.default('http://127.0.0.1:8084'),
  SHIPYARD_INFERENCE_URL: fields.httpUrl.default('http://127.0.0.1:8085'),
  /**
   * The services' request body limits, under the services' own variable names (set them on both): the
   * gateway refuses a larger declared body with 413 itself. Forwarded, the service's early 413 raced
   * the upload still streaming to it and reached the client as a 503 or not at all.
   */
  SHIPYARD_EXPERIMENTS_BODY_LIMIT_BYTES: z.coerce.number().int().min(65_536).max(64 * 1024 * 1024).default(4 * 1024 * 1024),
  SHIPYARD_INFERENCE_BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024 * 1024).default(16 * 1024 * 1024),
  /** Keep-alive connections kept open to each service. */
  SHIPYARD_GATEWAY_UPSTREAM_CONNECTIONS: z.coerce.number().int().min(1).max(1024).default(64),
  SHIPYARD_GATEWAY_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /** Artifact uploads and downloads: the service answers only after the last byte, so they get longer. */
  SHIPYARD_GATEWAY_ARTIFACT_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(86_400_000).default(3_600_000),
  SHIPYARD_REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be redis://host:port').default('redis://127.0.0.1:6379'),
  /** Namespace for every Redis key (rate-limit counters), so several deployments can share one Redis. */
  SHIPYARD_REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9:_-]+$/).default('shipyard'),
  SHIPYARD_JWT_ISSUER: z.string().min(1).default('shipyard'),
  SHIPYARD_JWT_AUDIENCE: z.string().min(1).default('shipyard-api'),
  /** Longest access-token lifetime any auth replica issues (revocations are remembered that long). */
  SHIPYARD_GATEWAY_MAX_TOKEN_TTL_S: z.coerce.number().int().min(30).max(86_400).default(900),
  /** How long a verified API key is trusted before asking auth again (revocation events clear it at once). */
  SHIPYARD_GATEWAY_API_KEY_CACHE_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  /** Requests per user (an API key counts against its owner) per window, across routes and gateway replicas (Redis). */
  SHIPYARD_RATE_LIMIT: z.coerce.number().int().min(1).default(6000),
  SHIPYARD_RATE_LIMIT_WINDOW_S: z.coerce.number().int().min(1).max(3600).default(60),
  /** Login, refresh, logout and signup attempts per client IP per window (each route counted apart). */
  SHIPYARD_LOGIN_RATE_LIMIT: z.coerce.number().int().min(1).default(30),
  SHIPYARD_LOGIN_RATE_LIMIT_WINDOW_S: z.coerce.number().int().min(1).max(3600).default(60),
  /**
   * Whose X-Forwarded-For gives the client IP (login rate limit, audit events, the header sent on):
   * false = nobody's (clients connect directly), a number of proxy hops, or proxy addresses/CIDRs.
   */
  SHIPYARD_TRUST_PROXY: trustProxyField.default(false),
  /** Comma-separated origins allowed by CORS; empty = no cross-origin browser access. */
  SHIPYARD_CORS_ORIGINS: z.string().default(''),
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(gatewayConfigShape, env);
}
