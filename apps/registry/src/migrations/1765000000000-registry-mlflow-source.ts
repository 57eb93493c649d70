import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * MLflow-compatible model versions point at an artifact by URI (`source`, e.g. runs:/<id>/model or
 * s3://…) instead of uploading one to the registry, and MLflow creates them READY. So a version is READY
 * with an uploaded artifact OR with a source URI; the source, like the artifact, never changes once set.
 */
export class RegistryMlflowSource1765000000000 implements MigrationInterface {
  name = 'RegistryMlflowSource1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE registry.model_versions ADD COLUMN source_uri text CHECK (char_length(source_uri) BETWEEN 1 AND 1000)`);
    await q.query(`ALTER TABLE registry.model_versions DROP CONSTRAINT model_versions_ready_has_artifact`);
    await q.query(`ALTER TABLE registry.model_versions ADD CONSTRAINT model_versions_ready_has_artifact
      CHECK (status <> 'READY' OR source_uri IS NOT NULL OR (artifact_key IS NOT NULL AND artifact_size IS NOT NULL AND artifact_sha256 IS NOT NULL))`);
    await q.query(`CREATE FUNCTION registry.keep_source_uri() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.source_uri IS DISTINCT FROM OLD.source_uri THEN
          RAISE EXCEPTION 'the source of model version % is immutable', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await q.query(`CREATE TRIGGER model_versions_source_immutable BEFORE UPDATE ON registry.model_versions FOR EACH ROW EXECUTE FUNCTION registry.keep_source_uri()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER model_versions_source_immutable ON registry.model_versions`);
    await q.query(`DROP FUNCTION registry.keep_source_uri()`);
    await q.query(`ALTER TABLE registry.model_versions DROP CONSTRAINT model_versions_ready_has_artifact`);
    await q.query(`ALTER TABLE registry.model_versions ADD CONSTRAINT model_versions_ready_has_artifact CHECK (status <> 'READY' OR (artifact_key IS NOT NULL AND artifact_size IS NOT NULL AND artifact_sha256 IS NOT NULL))`);
    await q.query(`ALTER TABLE registry.model_versions DROP COLUMN source_uri`);
  }
}
