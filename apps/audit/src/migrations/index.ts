import { AuditInit1763900000000 } from './1763900000000-audit-init';
import { AuditPartitions1764000000000 } from './1764000000000-audit-partitions';
import { AuditAnchors1764000001000 } from './1764000001000-audit-anchors';
import { auditRoleGrantsMigration } from './1764000002000-audit-role-grants';

export const DEFAULT_AUDIT_DB_ROLE = 'shipyard_audit';

/** The audit schema's migrations; `dbRole` is the role the grants migration gives SELECT and INSERT, if it exists. */
export function auditMigrations(dbRole: string = DEFAULT_AUDIT_DB_ROLE) {
  return [AuditInit1763900000000, AuditPartitions1764000000000, AuditAnchors1764000001000, auditRoleGrantsMigration(dbRole)];
}
