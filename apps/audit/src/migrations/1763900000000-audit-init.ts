import { MigrationInterface, QueryRunner } from 'typeorm';

export class AuditInit1763900000000 implements MigrationInterface {
  name = 'AuditInit1763900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE audit.events (
      seq bigint PRIMARY KEY CHECK (seq > 0),
      event_id uuid NOT NULL UNIQUE,
      subject text NOT NULL,
      action text NOT NULL,
      actor_type text NOT NULL,
      actor_id text NOT NULL,
      aggregate_type text NOT NULL,
      aggregate_id text NOT NULL,
      payload jsonb NOT NULL,
      before jsonb,
      after jsonb,
      correlation_id text NOT NULL,
      occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL,
      prev_hash bytea NOT NULL,
      hash bytea NOT NULL UNIQUE
    )`);
    await q.query(`CREATE INDEX events_aggregate_idx ON audit.events (aggregate_type, aggregate_id, seq)`);
    await q.query(`CREATE INDEX events_aggregate_id_idx ON audit.events (aggregate_id, seq)`);
    await q.query(`CREATE INDEX events_subject_idx ON audit.events (subject, seq)`);
    await q.query(`CREATE INDEX events_actor_idx ON audit.events (actor_type, actor_id, seq)`);
    await q.query(`CREATE INDEX events_correlation_idx ON audit.events (correlation_id)`);
    await q.query(`CREATE INDEX events_occurred_idx ON audit.events (occurred_at)`);

    // Append-only in the database, not by promise: every UPDATE, DELETE or TRUNCATE statement fails.
    await q.query(`CREATE FUNCTION audit.reject_mutation() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit.% is append-only: % rejected', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.events
      FOR EACH STATEMENT EXECUTE FUNCTION audit.reject_mutation()`);

    await q.query(`CREATE TABLE audit.dead_letters (
      id bigserial PRIMARY KEY,
      subject text NOT NULL,
      stream_seq bigint,
      headers jsonb NOT NULL DEFAULT '{}',
      raw bytea NOT NULL,
      reason text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now()
    )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit.dead_letters`);
    await q.query(`DROP TABLE audit.events`);
    await q.query(`DROP FUNCTION audit.reject_mutation()`);
  }
}
