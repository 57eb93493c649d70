import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A metric point is (run, key, step, timestamp, value), as in MLflow's SQL store, whose primary key it
 * is: logging the same point again (an MLflow client retrying a log-batch after a 503 or a timeout, while
 * the first attempt had committed) must not add it twice to the history. One unique index replaces the
 * (run_id, key, step, timestamp, seq) one, so inserts maintain one index as before (a batch that hits
 * it is written again skipping the points already there, see RunDataRepository.insertMetrics), and
 * history pages are read from it in (step, timestamp, value) order. Points already duplicated are
 * reduced to their first copy.
 */
export class ExperimentsMetricPointsUnique1766000000000 implements MigrationInterface {
  name = 'ExperimentsMetricPointsUnique1766000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`DELETE FROM experiments.metrics WHERE seq IN (
      SELECT seq FROM (SELECT seq, row_number() OVER (PARTITION BY run_id, key, step, timestamp, value ORDER BY seq) AS n FROM experiments.metrics) d WHERE d.n > 1)`);
    await q.query('CREATE UNIQUE INDEX metrics_point_key ON experiments.metrics (run_id, key, step, timestamp, value)');
    await q.query('DROP INDEX experiments.metrics_run_key_step_idx');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX metrics_run_key_step_idx ON experiments.metrics (run_id, key, step, timestamp, seq)');
    await q.query('DROP INDEX experiments.metrics_point_key');
  }
}
