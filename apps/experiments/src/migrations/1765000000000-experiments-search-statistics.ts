import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Search plans depend on how many runs a `key = … AND value = …` pair matches. Per-column statistics
 * multiply the key's and the value's frequencies as if independent ('adam' is rare among all param
 * values, common among optimizers), underestimating by ~400× and steering the planner away from
 * walking the runs index in page order. Multi-column MCV statistics give it the real pair frequencies.
 * ANALYZE fills them at once (a sample of 30k rows per table, bounded time at any size) rather than at
 * autovacuum's next pass, so an existing deployment gets the better plans right after the upgrade.
 */
export class ExperimentsSearchStatistics1765000000000 implements MigrationInterface {
  name = 'ExperimentsSearchStatistics1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE STATISTICS experiments.params_key_value_stats (mcv) ON key, value, left(value, 200) FROM experiments.params');
    await q.query('CREATE STATISTICS experiments.run_tags_key_value_stats (mcv) ON key, value, left(value, 200) FROM experiments.run_tags');
    await q.query('ANALYZE experiments.params, experiments.run_tags');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP STATISTICS experiments.run_tags_key_value_stats');
    await q.query('DROP STATISTICS experiments.params_key_value_stats');
  }
}
