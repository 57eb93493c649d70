import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Anchors record the chain head (seq and hash) every N events and periodically. A row changed in the
 * middle of the chain breaks the hashes after it; rows cut off the end leave no broken hash behind,
 * but the newest anchor then names a seq (or a hash) the chain no longer has.
 */
export class AuditAnchors1764000001000 implements MigrationInterface {
  name = 'AuditAnchors1764000001000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE audit.anchors (
      id bigserial PRIMARY KEY,
      seq bigint NOT NULL CHECK (seq > 0),
      hash bytea NOT NULL CHECK (length(hash) = 32),
      reason text NOT NULL CHECK (reason IN ('count', 'interval')),
      anchored_at timestamptz NOT NULL DEFAULT now()
    )`);
    await q.query(`CREATE INDEX anchors_seq_idx ON audit.anchors (seq)`);
    await q.query(`CREATE TRIGGER anchors_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.anchors
      FOR EACH STATEMENT EXECUTE FUNCTION audit.reject_mutation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit.anchors`);
  }
}
