import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Model versions can be deleted the way MLflow's SQL store does it: softly. The row stays (the number
 * chain, lineage, audit, stage decisions and reviews keep pointing at it); `deleted_at`/`deleted_by` are
 * set once, by an UPDATE that changes nothing else, and a deleted version never changes again. No alias may
 * point at a deleted version.
 */
export class RegistryVersionSoftDelete1766000000000 implements MigrationInterface {
  name = 'RegistryVersionSoftDelete1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE registry.model_versions ADD COLUMN deleted_at timestamptz, ADD COLUMN deleted_by text CHECK (char_length(deleted_by) BETWEEN 1 AND 300)`);
    await q.query(`ALTER TABLE registry.model_versions ADD CONSTRAINT model_versions_deleted_pair CHECK ((deleted_at IS NULL) = (deleted_by IS NULL))`);
    // Compared as jsonb minus the two deletion columns, so a column added later is frozen by deletion too.
    await q.query(`CREATE FUNCTION registry.model_versions_deletion_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.deleted_at IS NOT NULL THEN
          RAISE EXCEPTION 'model version % is deleted and cannot change', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        IF NEW.deleted_at IS NOT NULL AND (to_jsonb(NEW) - 'deleted_at' - 'deleted_by') IS DISTINCT FROM (to_jsonb(OLD) - 'deleted_at' - 'deleted_by') THEN
          RAISE EXCEPTION 'deleting model version % may set deleted_at and deleted_by only', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER model_versions_deletion_guard BEFORE UPDATE ON registry.model_versions FOR EACH ROW EXECUTE FUNCTION registry.model_versions_deletion_guard()`);
    await q.query(`CREATE FUNCTION registry.model_aliases_live_version() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM registry.model_versions WHERE model_id = NEW.model_id AND version = NEW.version AND deleted_at IS NOT NULL) THEN
          RAISE EXCEPTION 'alias % cannot point at deleted version % of model %', NEW.alias, NEW.version, NEW.model_id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER model_aliases_live_version BEFORE INSERT OR UPDATE ON registry.model_aliases FOR EACH ROW EXECUTE FUNCTION registry.model_aliases_live_version()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER model_aliases_live_version ON registry.model_aliases`);
    await q.query(`DROP FUNCTION registry.model_aliases_live_version()`);
    await q.query(`DROP TRIGGER model_versions_deletion_guard ON registry.model_versions`);
    await q.query(`DROP FUNCTION registry.model_versions_deletion_guard()`);
    await q.query(`ALTER TABLE registry.model_versions DROP CONSTRAINT model_versions_deleted_pair`);
    await q.query(`ALTER TABLE registry.model_versions DROP COLUMN deleted_by, DROP COLUMN deleted_at`);
  }
}
