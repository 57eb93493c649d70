import { MigrationInterface, QueryRunner } from 'typeorm';

/** The guard of 1764100000000 as it was: the artifact of a READY version never changes. */
const GUARD_WITHOUT_PIN = `CREATE OR REPLACE FUNCTION registry.model_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.id <> OLD.id OR NEW.model_id <> OLD.model_id OR NEW.version <> OLD.version OR NEW.framework <> OLD.framework
           OR NEW.source_run_id IS DISTINCT FROM OLD.source_run_id OR NEW.created_by <> OLD.created_by OR NEW.created_at <> OLD.created_at THEN
          RAISE EXCEPTION 'model version % is immutable except description, tags, status and stage', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        IF OLD.status = 'READY' AND (NEW.status <> 'READY' OR NEW.artifact_key IS DISTINCT FROM OLD.artifact_key
           OR NEW.artifact_sha256 IS DISTINCT FROM OLD.artifact_sha256 OR NEW.artifact_size IS DISTINCT FROM OLD.artifact_size
           OR NEW.signature IS DISTINCT FROM OLD.signature) THEN
          RAISE EXCEPTION 'the artifact of READY model version % cannot change', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`;

/**
 * A version registered from a source URI (READY at once, no upload) pins the ONNX file it serves: the
 * object key, size and sha256 go into artifact_key/size/sha256 the first time they are known, at creation
 * or at its first resolve, and from then on never change, as an uploaded artifact's. The guard lets a
 * READY source version with no artifact set all three at once, and nothing else; a CHECK keeps them whole.
 */
export class RegistrySourcePin1768000000000 implements MigrationInterface {
  name = 'RegistrySourcePin1768000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE registry.model_versions ADD CONSTRAINT model_versions_source_pin_whole
      CHECK (source_uri IS NULL OR ((artifact_key IS NULL) = (artifact_size IS NULL) AND (artifact_key IS NULL) = (artifact_sha256 IS NULL)))`);
    await q.query(`CREATE OR REPLACE FUNCTION registry.model_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF NEW.id <> OLD.id OR NEW.model_id <> OLD.model_id OR NEW.version <> OLD.version OR NEW.framework <> OLD.framework
           OR NEW.source_run_id IS DISTINCT FROM OLD.source_run_id OR NEW.created_by <> OLD.created_by OR NEW.created_at <> OLD.created_at THEN
          RAISE EXCEPTION 'model version % is immutable except description, tags, status and stage', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        IF OLD.status = 'READY' AND (NEW.status <> 'READY' OR NEW.artifact_key IS DISTINCT FROM OLD.artifact_key
           OR NEW.artifact_sha256 IS DISTINCT FROM OLD.artifact_sha256 OR NEW.artifact_size IS DISTINCT FROM OLD.artifact_size
           OR NEW.signature IS DISTINCT FROM OLD.signature)
           -- the one exception: a source version's first pin of its ONNX file
           AND NOT (OLD.source_uri IS NOT NULL AND OLD.artifact_key IS NULL AND OLD.artifact_size IS NULL AND OLD.artifact_sha256 IS NULL
                    AND NEW.status = 'READY' AND NEW.artifact_key IS NOT NULL AND NEW.signature IS NOT DISTINCT FROM OLD.signature) THEN
          RAISE EXCEPTION 'the artifact of READY model version % cannot change', OLD.id USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(GUARD_WITHOUT_PIN);
    await q.query(`ALTER TABLE registry.model_versions DROP CONSTRAINT model_versions_source_pin_whole`);
  }
}
