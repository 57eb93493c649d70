import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Least privilege where the deployment runs the audit service under its own role: SELECT and INSERT
 * on the audit tables, nothing else (no UPDATE, DELETE, TRUNCATE, no DDL), plus EXECUTE on the
 * partition upkeep function. A no-op when the role does not exist (development, single-role setups);
 * `SELECT audit.grant_service_role('<role>')` applies the same grants to a role created later.
 */
export function auditRoleGrantsMigration(role: string) {
  return class AuditRoleGrants1764000002000 implements MigrationInterface {
    name = 'AuditRoleGrants1764000002000';

    async up(q: QueryRunner): Promise<void> {
      await q.query(`CREATE FUNCTION audit.grant_service_role(role_name name) RETURNS boolean
        LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp
        AS $$
        BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = role_name) THEN
            RETURN false;
          END IF;
          EXECUTE format('GRANT USAGE ON SCHEMA audit TO %I', role_name);
          EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM %I', role_name);
          EXECUTE format('GRANT SELECT, INSERT ON audit.events, audit.event_ids, audit.anchors, audit.dead_letters TO %I', role_name);
          -- The service checks at boot that no migration is pending; it never runs one itself.
          EXECUTE format('GRANT SELECT ON audit.migrations TO %I', role_name);
          EXECUTE format('GRANT USAGE ON SEQUENCE audit.anchors_id_seq, audit.dead_letters_id_seq TO %I', role_name);
          EXECUTE format('GRANT EXECUTE ON FUNCTION audit.ensure_partitions(integer, timestamptz) TO %I', role_name);
          RETURN true;
        END $$`);
      await q.query(`REVOKE ALL ON FUNCTION audit.grant_service_role(name) FROM PUBLIC`);
      await q.query(`SELECT audit.grant_service_role($1)`, [role]);
    }

    async down(q: QueryRunner): Promise<void> {
      await q.query(`DO $$ BEGIN
          IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = ${quoteLiteral(role)}) THEN
            EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA audit FROM %I', ${quoteLiteral(role)});
            EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA audit FROM %I', ${quoteLiteral(role)});
            EXECUTE format('REVOKE ALL ON FUNCTION audit.ensure_partitions(integer, timestamptz) FROM %I', ${quoteLiteral(role)});
            EXECUTE format('REVOKE USAGE ON SCHEMA audit FROM %I', ${quoteLiteral(role)});
          END IF;
        END $$`);
      await q.query(`DROP FUNCTION audit.grant_service_role(name)`);
    }
  };
}

/** The role name is validated by config (lower-case identifier); quoting keeps DO blocks safe anyway. */
function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}
