import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Versions, artifacts, aliases, stages and governance (gates, reviews, cards, stage decisions).
 * The invariants that matter live in constraints: versions are 1..n without gaps (each version but the
 * first references its predecessor, at most once), an approver never decides a review they submitted,
 * a READY version always has its artifact recorded, and what is immutable cannot be updated.
 */
export class RegistryVersions1764100000000 implements MigrationInterface {
  name = 'RegistryVersions1764100000000';

  async up(q: QueryRunner): Promise<void> {
    // The per-model counter: `UPDATE … SET latest_version = latest_version + 1 RETURNING` serialises
    // concurrent creations on the model row; the FK below makes a gap impossible even if code got it wrong.
    await q.query(`ALTER TABLE registry.models ADD COLUMN latest_version integer NOT NULL DEFAULT 0`);
    await q.query(`CREATE TABLE registry.model_versions (
      id uuid PRIMARY KEY,
      model_id uuid NOT NULL REFERENCES registry.models (id),
      version integer NOT NULL CHECK (version >= 1),
      previous_version integer,
      status text NOT NULL DEFAULT 'PENDING_UPLOAD' CHECK (status IN ('PENDING_UPLOAD', 'READY', 'FAILED')),
      stage text NOT NULL DEFAULT 'None' CHECK (stage IN ('None', 'Staging', 'Production', 'Archived')),
      framework text NOT NULL CHECK (framework IN ('onnx', 'sklearn', 'pytorch', 'tensorflow', 'xgboost', 'other')),
      description text CHECK (char_length(description) <= 4000),
      tags text[] NOT NULL DEFAULT '{}',
      source_run_id text CHECK (char_length(source_run_id) <= 64),
      signature jsonb,
      artifact_key text,
      artifact_size bigint CHECK (artifact_size >= 0),
      artifact_sha256 text CHECK (artifact_sha256 ~ '^[0-9a-f]{64}$'),
      artifact_content_type text,
      failure_reason text,
      created_by text NOT NULL,
      created_by_user text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CONSTRAINT model_versions_number_key UNIQUE (model_id, version),
      CONSTRAINT model_versions_previous_key UNIQUE (model_id, previous_version),
      CONSTRAINT model_versions_previous_fk FOREIGN KEY (model_id, previous_version) REFERENCES registry.model_versions (model_id, version),
      CONSTRAINT model_versions_contiguous CHECK ((version = 1 AND previous_version IS NULL) OR (previous_version IS NOT NULL AND previous_version = version - 1)),
      CONSTRAINT model_versions_ready_has_artifact CHECK (status <> 'READY' OR (artifact_key IS NOT NULL AND artifact_size IS NOT NULL AND artifact_sha256 IS NOT NULL))
    )`);
    await q.query(`CREATE INDEX model_versions_run_idx ON registry.model_versions (source_run_id) WHERE source_run_id IS NOT NULL`);
    await q.query(`CREATE INDEX model_versions_stage_idx ON registry.model_versions (model_id, stage)`);
    await q.query(`CREATE FUNCTION registry.model_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
      END $$`);
    await q.query(`CREATE TRIGGER model_versions_guard BEFORE UPDATE ON registry.model_versions FOR EACH ROW EXECUTE FUNCTION registry.model_versions_guard()`);
    // Versions are never deleted: lineage, audit and deployments keep pointing at them.
    await q.query(`CREATE FUNCTION registry.model_versions_refuse_delete() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'model versions are never deleted' USING ERRCODE = 'check_violation'; END $$`);
    await q.query(`CREATE TRIGGER model_versions_no_delete BEFORE DELETE ON registry.model_versions FOR EACH ROW EXECUTE FUNCTION registry.model_versions_refuse_delete()`);

    await q.query(`CREATE TABLE registry.model_aliases (
      model_id uuid NOT NULL REFERENCES registry.models (id),
      alias text NOT NULL CHECK (alias ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
      version integer NOT NULL,
      updated_by text NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (model_id, alias),
      FOREIGN KEY (model_id, version) REFERENCES registry.model_versions (model_id, version)
    )`);
    await q.query(`CREATE INDEX model_aliases_version_idx ON registry.model_aliases (model_id, version)`);

    await q.query(`CREATE TABLE registry.model_gates (
      model_id uuid PRIMARY KEY REFERENCES registry.models (id),
      metric_gates jsonb NOT NULL DEFAULT '[]',
      require_card boolean NOT NULL DEFAULT false,
      required_approvals integer NOT NULL DEFAULT 0 CHECK (required_approvals BETWEEN 0 AND 10),
      updated_by text NOT NULL,
      updated_at timestamptz NOT NULL
    )`);

    await q.query(`CREATE TABLE registry.reviews (
      id uuid PRIMARY KEY,
      version_id uuid NOT NULL REFERENCES registry.model_versions (id),
      status text NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'APPROVED', 'REJECTED')),
      comment text CHECK (char_length(comment) <= 4000),
      submitted_by text NOT NULL,
      submitted_by_user text NOT NULL,
      created_at timestamptz NOT NULL,
      closed_at timestamptz
    )`);
    await q.query(`CREATE UNIQUE INDEX reviews_one_open_key ON registry.reviews (version_id) WHERE status = 'PENDING'`);
    // One decision per approver per review; the submitter's user id is copied in so that a CHECK, not code, refuses self-review.
    await q.query(`CREATE TABLE registry.review_decisions (
      review_id uuid NOT NULL REFERENCES registry.reviews (id),
      approver_user text NOT NULL,
      approver text NOT NULL,
      submitted_by_user text NOT NULL,
      decision text NOT NULL CHECK (decision IN ('approve', 'reject')),
      comment text NOT NULL CHECK (char_length(comment) BETWEEN 1 AND 4000),
      decided_at timestamptz NOT NULL,
      PRIMARY KEY (review_id, approver_user),
      CONSTRAINT review_decisions_not_self CHECK (approver_user <> submitted_by_user)
    )`);

    await q.query(`CREATE TABLE registry.model_cards (
      version_id uuid PRIMARY KEY REFERENCES registry.model_versions (id),
      status text NOT NULL DEFAULT 'Draft' CHECK (status IN ('Draft', 'PendingReview', 'Approved', 'Archived')),
      content jsonb NOT NULL,
      submitted_by_user text,
      updated_by text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`);

    await q.query(`CREATE TABLE registry.stage_decisions (
      id uuid PRIMARY KEY,
      version_id uuid NOT NULL REFERENCES registry.model_versions (id),
      from_stage text NOT NULL,
      to_stage text NOT NULL,
      allowed boolean NOT NULL,
      gate_results jsonb NOT NULL,
      archived_versions integer[] NOT NULL DEFAULT '{}',
      decided_by text NOT NULL,
      decided_at timestamptz NOT NULL
    )`);
    await q.query(`CREATE INDEX stage_decisions_version_idx ON registry.stage_decisions (version_id, decided_at)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['stage_decisions', 'model_cards', 'review_decisions', 'reviews', 'model_gates', 'model_aliases', 'model_versions']) await q.query(`DROP TABLE registry.${t}`);
    await q.query(`DROP FUNCTION registry.model_versions_guard()`);
    await q.query(`DROP FUNCTION registry.model_versions_refuse_delete()`);
    await q.query(`ALTER TABLE registry.models DROP COLUMN latest_version`);
  }
}
