import { z } from 'zod';
import { baseConfigShape, fields, loadConfig } from '@shipyard/config';

export const auditConfigShape = {
  ...baseConfigShape,
  SHIPYARD_AUDIT_PORT: fields.port.default(8084),
  /** Durable consumer name; one per deployment (replicas share it and split the work). */
  SHIPYARD_AUDIT_CONSUMER: z.string().regex(/^[A-Za-z0-9_-]+$/).default('audit-recorder'),
  SHIPYARD_AUDIT_MAX_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
};

export type AuditConfig = ReturnType<typeof loadAuditConfig>;

export function loadAuditConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(auditConfigShape, env);
}
