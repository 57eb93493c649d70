import { z } from 'zod';
import { baseConfigShape, fields, loadConfig } from '@shipyard/config';

export const auditConfigShape = {
  ...baseConfigShape,
  SHIPYARD_AUDIT_PORT: fields.port.default(8084),
  /** Durable consumer name; one per deployment (replicas share it and split the work). */
  SHIPYARD_AUDIT_CONSUMER: z.string().regex(/^[A-Za-z0-9_-]+$/).default('audit-recorder'),
  SHIPYARD_AUDIT_MAX_BATCH: z.coerce.number().int().min(1).max(5000).default(500),
  /** An anchor row records the chain head whenever the chain crosses a multiple of this many events. */
  SHIPYARD_AUDIT_ANCHOR_EVERY: z.coerce.number().int().min(1).max(10_000_000).default(1000),
  /** ...and at this interval when the head moved since the last anchor (0 = only by count). */
  SHIPYARD_AUDIT_ANCHOR_INTERVAL_S: z.coerce.number().int().min(0).max(86_400).default(60),
  /** Monthly partitions of audit.events kept ready ahead of the current month. */
  SHIPYARD_AUDIT_PARTITIONS_AHEAD: z.coerce.number().int().min(1).max(24).default(2),
  /** Background verification of the chain (incremental after the first pass); 0 = off. */
  SHIPYARD_AUDIT_VERIFY_INTERVAL_S: z.coerce.number().int().min(0).max(86_400).default(300),
  /** Exports running at once (each holds its own database connection); more get 503. */
  SHIPYARD_AUDIT_EXPORT_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(4),
  /**
   * The role the audit service runs as in a deployment that separates roles. When it exists, the
   * migrations grant it SELECT and INSERT only (plus what partition upkeep needs); otherwise nothing.
   */
  SHIPYARD_AUDIT_DB_ROLE: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/).default('shipyard_audit'),
};

export type AuditConfig = ReturnType<typeof loadAuditConfig>;

export function loadAuditConfig(env: NodeJS.ProcessEnv = process.env) {
  return loadConfig(auditConfigShape, env);
}
