import { baseConfigShape, fields, loadConfig } from '@shipyard/config';
import { z } from 'zod';

export const gatewayConfigShape = {
  SHIPYARD_ENV: baseConfigShape.SHIPYARD_ENV,
  SHIPYARD_BIND_HOST: baseConfigShape.SHIPYARD_BIND_HOST,
  SHIPYARD_LOG_LEVEL: baseConfigShape.SHIPYARD_LOG_LEVEL,
  SHIPYARD_SHUTDOWN_TIMEOUT_MS: baseConfigShape.SHIPYARD_SHUTDOWN_TIMEOUT_MS,
  SHIPYARD_NATS_URL: baseConfigShape.SHIPYARD_NATS_URL,
  SHIPYARD_GATEWAY_PORT: fields.port.default(8080),
  SHIPYARD_AUTH_URL: fields.httpUrl.default('http://127.0.0.1:8081'),
  SHIPYARD_REGISTRY_URL: fields.httpUrl.default('http://127.0.0.1:8082'),
  SHIPYARD_EXPERIMENTS_URL: fields.httpUrl.default('http://127.0.0.1:8083'),
  SHIPYARD_AUDIT_URL: fields.httpUrl.default('http://127.0.0.1:8084'),
  SHIPYARD_INFERENCE_URL: fields.httpUrl.default('http://127.0.0.1:8085'),
  /** Keep-alive connections kept open to each service. */
  SHIPYARD_GATEWAY_UPSTREAM_CONNECTIONS: z.coerce.number().int().min(1).max(1024).default(64),
  SHIPYARD_GATEWAY_UPSTREAM_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  /**
   * Until the auth service lands, callers name themselves with x-shipyard-dev-actor. Allowed only
   * outside production, and logged as a warning at boot.
   */
  SHIPYARD_GATEWAY_DEV_ACTOR: fields.bool.default(true),
};

export type GatewayConfig = ReturnType<typeof loadGatewayConfig>;

export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(gatewayConfigShape, env);
}
