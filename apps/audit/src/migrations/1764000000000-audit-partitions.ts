import { MigrationInterface, QueryRunner } from 'typeorm';

const COLUMNS = `seq, event_id, subject, action, actor_type, actor_id, aggregate_type, aggregate_id, payload, before, after,
  correlation_id, occurred_at, recorded_at, prev_hash, hash`;

/**
 * audit.events becomes a table range-partitioned by month on recorded_at, so it scales to hundreds of
 * millions of rows (old months can be archived a partition at a time, indexes stay month-sized).
 *
 * recorded_at, not occurred_at: the audit service sets it from its own clock when it appends, so it
 * grows with seq, every insert lands in the current month's partition (made ahead of time), and the
 * newest partition holds the chain head. occurred_at comes from producers: a replayed or long-stuck
 * event, or a producer with a wrong clock, would write into any month, including ones that do not exist.
 *
 * A partitioned table cannot have a unique index without the partition key, so event_id and seq get
 * their global uniqueness from audit.event_ids, written in the same transaction as the row.
 */
export class AuditPartitions1764000000000 implements MigrationInterface {
  name = 'AuditPartitions1764000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit.events RENAME TO events_unpartitioned`);
    await q.query(`CREATE TABLE audit.events (
      seq bigint NOT NULL CHECK (seq > 0),
      event_id uuid NOT NULL,
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
      hash bytea NOT NULL
    ) PARTITION BY RANGE (recorded_at)`);

    // Partition upkeep runs as the table owner (SECURITY DEFINER), so a service role limited to
    // SELECT and INSERT can still keep next months' partitions ready. A new partition is built apart
    // and ATTACHed (SHARE UPDATE EXCLUSIVE on the parent), which never waits for, nor blocks, a
    // running export or insert; lock_timeout bounds the rare wait for the partition itself.
    await q.query(`CREATE FUNCTION audit.ensure_partition(p_at timestamptz) RETURNS boolean
      LANGUAGE plpgsql SECURITY DEFINER
      SET search_path = pg_catalog, pg_temp SET "TimeZone" = 'UTC' SET "DateStyle" = 'ISO' SET lock_timeout = '5s'
      AS $$
      DECLARE
        month_start timestamp := date_trunc('month', p_at AT TIME ZONE 'UTC');
        lower_bound timestamptz := month_start AT TIME ZONE 'UTC';
        upper_bound timestamptz := (month_start + interval '1 month') AT TIME ZONE 'UTC';
        part text := 'events_' || to_char(month_start, 'YYYY_MM');
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('shipyard-audit-partitions'));
        IF to_regclass('audit.' || quote_ident(part)) IS NOT NULL THEN
          RETURN false;
        END IF;
        EXECUTE format('CREATE TABLE audit.%I (LIKE audit.events INCLUDING DEFAULTS INCLUDING CONSTRAINTS)', part);
        EXECUTE format('ALTER TABLE audit.%I ADD CONSTRAINT %I CHECK (recorded_at >= %L AND recorded_at < %L)', part, part || '_bounds', lower_bound, upper_bound);
        -- Statement triggers are not inherited from a partitioned table: each partition gets its own,
        -- so UPDATE, DELETE and TRUNCATE aimed at a partition directly fail too.
        EXECUTE format('CREATE TRIGGER %I BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.%I FOR EACH STATEMENT EXECUTE FUNCTION audit.reject_mutation()', part || '_append_only', part);
        EXECUTE format('ALTER TABLE audit.events ATTACH PARTITION audit.%I FOR VALUES FROM (%L) TO (%L)', part, lower_bound, upper_bound);
        RETURN true;
      END $$`);
    await q.query(`CREATE FUNCTION audit.ensure_partitions(months_ahead integer, p_at timestamptz DEFAULT now()) RETURNS integer
      LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp
      AS $$
      DECLARE
        created integer := 0;
      BEGIN
        FOR i IN 0..months_ahead LOOP
          IF audit.ensure_partition(p_at + make_interval(months => i)) THEN
            created := created + 1;
          END IF;
        END LOOP;
        RETURN created;
      END $$`);
    await q.query(`REVOKE ALL ON FUNCTION audit.ensure_partition(timestamptz) FROM PUBLIC`);
    await q.query(`REVOKE ALL ON FUNCTION audit.ensure_partitions(integer, timestamptz) FROM PUBLIC`);

    // Every month that holds rows, then this month and the next two.
    await q.query(`SELECT audit.ensure_partition(m AT TIME ZONE 'UTC')
      FROM generate_series(
        (SELECT date_trunc('month', min(recorded_at) AT TIME ZONE 'UTC') FROM audit.events_unpartitioned),
        (SELECT date_trunc('month', max(recorded_at) AT TIME ZONE 'UTC') FROM audit.events_unpartitioned),
        interval '1 month') AS m`);
    await q.query(`SELECT audit.ensure_partitions(2)`);

    await q.query(`INSERT INTO audit.events (${COLUMNS}) SELECT ${COLUMNS} FROM audit.events_unpartitioned ORDER BY seq`);
    await q.query(`CREATE TABLE audit.event_ids (
      event_id uuid PRIMARY KEY,
      seq bigint NOT NULL UNIQUE CHECK (seq > 0)
    )`);
    await q.query(`INSERT INTO audit.event_ids (event_id, seq) SELECT event_id, seq FROM audit.events_unpartitioned`);
    await q.query(`DROP TABLE audit.events_unpartitioned`);

    await q.query(`ALTER TABLE audit.events ADD CONSTRAINT events_pkey PRIMARY KEY (seq, recorded_at)`);
    await q.query(`CREATE INDEX events_aggregate_idx ON audit.events (aggregate_type, aggregate_id, seq)`);
    await q.query(`CREATE INDEX events_aggregate_id_idx ON audit.events (aggregate_id, seq)`);
    await q.query(`CREATE INDEX events_subject_idx ON audit.events (subject, seq)`);
    await q.query(`CREATE INDEX events_actor_idx ON audit.events (actor_type, actor_id, seq)`);
    await q.query(`CREATE INDEX events_correlation_idx ON audit.events (correlation_id)`);
    await q.query(`CREATE INDEX events_occurred_idx ON audit.events (occurred_at)`);
    await q.query(`CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.events
      FOR EACH STATEMENT EXECUTE FUNCTION audit.reject_mutation()`);
    await q.query(`CREATE TRIGGER event_ids_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.event_ids
      FOR EACH STATEMENT EXECUTE FUNCTION audit.reject_mutation()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit.events RENAME TO events_partitioned`);
    await q.query(`ALTER TABLE audit.events_partitioned RENAME CONSTRAINT events_pkey TO events_partitioned_pkey`);
    for (const idx of ['events_aggregate_idx', 'events_aggregate_id_idx', 'events_subject_idx', 'events_actor_idx', 'events_correlation_idx', 'events_occurred_idx']) {
      await q.query(`DROP INDEX audit.${idx}`);
    }
    await q.query(`CREATE TABLE audit.events (
      seq bigint PRIMARY KEY CHECK (seq > 0), event_id uuid NOT NULL UNIQUE, subject text NOT NULL, action text NOT NULL,
      actor_type text NOT NULL, actor_id text NOT NULL, aggregate_type text NOT NULL, aggregate_id text NOT NULL,
      payload jsonb NOT NULL, before jsonb, after jsonb, correlation_id text NOT NULL, occurred_at timestamptz NOT NULL,
      recorded_at timestamptz NOT NULL, prev_hash bytea NOT NULL, hash bytea NOT NULL UNIQUE)`);
    await q.query(`INSERT INTO audit.events (${COLUMNS}) SELECT ${COLUMNS} FROM audit.events_partitioned ORDER BY seq`);
    await q.query(`DROP TABLE audit.events_partitioned`);
    await q.query(`DROP TABLE audit.event_ids`);
    await q.query(`DROP FUNCTION audit.ensure_partitions(integer, timestamptz)`);
    await q.query(`DROP FUNCTION audit.ensure_partition(timestamptz)`);
    await q.query(`CREATE INDEX events_aggregate_idx ON audit.events (aggregate_type, aggregate_id, seq)`);
    await q.query(`CREATE INDEX events_aggregate_id_idx ON audit.events (aggregate_id, seq)`);
    await q.query(`CREATE INDEX events_subject_idx ON audit.events (subject, seq)`);
    await q.query(`CREATE INDEX events_actor_idx ON audit.events (actor_type, actor_id, seq)`);
    await q.query(`CREATE INDEX events_correlation_idx ON audit.events (correlation_id)`);
    await q.query(`CREATE INDEX events_occurred_idx ON audit.events (occurred_at)`);
    await q.query(`CREATE TRIGGER events_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON audit.events
      FOR EACH STATEMENT EXECUTE FUNCTION audit.reject_mutation()`);
  }
}
