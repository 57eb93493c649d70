import { AuditInit1763900000000 } from './1763900000000-audit-init';

export const auditMigrations = [AuditInit1763900000000];
