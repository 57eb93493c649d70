import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Experiment tracking: experiments, runs, params, metric history + latest values, tags, datasets.
 * Search runs as `run_id IN (SELECT … FROM <table> WHERE key = $1 AND value <op> $2)`, so every
 * key/value table carries a (key, value, run_id) index the subquery can answer from alone.
 */
export class ExperimentsTracking1764100000000 implements MigrationInterface {
  name = 'ExperimentsTracking1764100000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`CREATE TABLE experiments.experiments (
      id uuid PRIMARY KEY,
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 256),
      description text CHECK (char_length(description) <= 4000),
      artifact_location text NOT NULL,
      lifecycle_stage text NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
      owner_id text NOT NULL,
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`);
    // Unique across lifecycles, as in MLflow: a deleted experiment keeps its name so it can be restored.
    await q.query(`CREATE UNIQUE INDEX experiments_name_key ON experiments.experiments (name)`);
    await q.query(`CREATE TABLE experiments.experiment_tags (
      experiment_id uuid NOT NULL REFERENCES experiments.experiments (id),
      key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 250),
      value text NOT NULL CHECK (char_length(value) <= 5000),
      PRIMARY KEY (experiment_id, key)
    )`);

    await q.query(`CREATE TABLE experiments.runs (
      id uuid PRIMARY KEY,
      experiment_id uuid NOT NULL REFERENCES experiments.experiments (id),
      name text CHECK (char_length(name) <= 250),
      status text NOT NULL CHECK (status IN ('RUNNING', 'FINISHED', 'FAILED', 'KILLED')),
      start_time timestamptz NOT NULL,
      end_time timestamptz,
      user_id text,
      source text,
      git_commit text,
      framework text,
      artifact_uri text NOT NULL,
      lifecycle_stage text NOT NULL DEFAULT 'active' CHECK (lifecycle_stage IN ('active', 'deleted')),
      created_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL,
      CHECK (end_time IS NULL OR end_time >= start_time)
    )`);
    await q.query(`CREATE INDEX runs_experiment_start_idx ON experiments.runs (experiment_id, start_time DESC, id DESC)`);

    await q.query(`CREATE TABLE experiments.params (
      run_id uuid NOT NULL REFERENCES experiments.runs (id),
      key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 250),
      value text NOT NULL CHECK (char_length(value) <= 6000),
      PRIMARY KEY (run_id, key)
    )`);
    // A B-tree entry holds at most ~2.7 kB and values may reach 6,000 characters: index a prefix;
    // equality compiles to "left(value, 200) = left($v, 200) AND value = $v" so the index still decides.
    await q.query(`CREATE INDEX params_key_value_idx ON experiments.params (key, left(value, 200), run_id)`);

    await q.query(`CREATE TABLE experiments.run_tags (
      run_id uuid NOT NULL REFERENCES experiments.runs (id),
      key text NOT NULL CHECK (char_length(key) BETWEEN 1 AND 250),
      value text NOT NULL CHECK (char_length(value) <= 5000),
      PRIMARY KEY (run_id, key)
    )`);
    await q.query(`CREATE INDEX run_tags_key_value_idx ON experiments.run_tags (key, left(value, 200), run_id)`);

    // Full history: append-only, no foreign key or primary key so batch inserts stay one cheap pass.
    await q.query(`CREATE TABLE experiments.metrics (
      seq bigint GENERATED ALWAYS AS IDENTITY (CACHE 1000),
      run_id uuid NOT NULL,
      key text NOT NULL,
      value double precision NOT NULL,
      timestamp bigint NOT NULL,
      step bigint NOT NULL
    )`);
    await q.query(`CREATE INDEX metrics_run_key_step_idx ON experiments.metrics (run_id, key, step, timestamp, seq)`);
    await q.query(`CREATE TABLE experiments.latest_metrics (
      run_id uuid NOT NULL REFERENCES experiments.runs (id),
      key text NOT NULL,
      value double precision NOT NULL,
      timestamp bigint NOT NULL,
      step bigint NOT NULL,
      PRIMARY KEY (run_id, key)
    )`);
    await q.query(`CREATE INDEX latest_metrics_key_value_idx ON experiments.latest_metrics (key, value, run_id)`);

    await q.query(`CREATE TABLE experiments.datasets (
      id uuid PRIMARY KEY,
      name text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 250),
      digest text NOT NULL CHECK (digest ~ '^[0-9A-Za-z._:+/=-]{1,128}$'),
      source_uri text,
      schema jsonb,
      row_count bigint CHECK (row_count >= 0),
      profile jsonb,
      created_at timestamptz NOT NULL,
      UNIQUE (name, digest)
    )`);
    await q.query(`CREATE TABLE experiments.run_inputs (
      run_id uuid NOT NULL REFERENCES experiments.runs (id),
      dataset_id uuid NOT NULL REFERENCES experiments.datasets (id),
      context text NOT NULL CHECK (context IN ('training', 'validation', 'test')),
      created_at timestamptz NOT NULL,
      PRIMARY KEY (run_id, dataset_id, context)
    )`);
    await q.query(`CREATE INDEX run_inputs_dataset_idx ON experiments.run_inputs (dataset_id, run_id)`);
  }

  async down(q: QueryRunner): Promise<void> {
    for (const t of ['run_inputs', 'datasets', 'latest_metrics', 'metrics', 'run_tags', 'params', 'runs', 'experiment_tags', 'experiments']) {
      await q.query(`DROP TABLE experiments.${t}`);
    }
  }
}
