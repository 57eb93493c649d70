import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { TestDatabase } from '@shipyard/testing';
import { experimentsMigrations } from './index';
import { ExperimentsMetricPointsUnique1766000000000 } from './1766000000000-experiments-metric-points-unique';

/** The upgrade of a database whose history holds repeated points (logged before points were unique). */
describe('migration: metric points unique (real PostgreSQL)', () => {
  let db: TestDatabase;
  let ds: DataSource;

  beforeAll(async () => {
    db = await TestDatabase.create();
    ds = await new DataSource({ type: 'postgres', url: db.url }).initialize();
  });

  afterAll(async () => {
    await ds?.destroy();
    await db?.drop();
  });

  it('keeps the first copy of each repeated point, then refuses repeats; down restores the old index', async () => {
    const runner = ds.createQueryRunner();
    const unique = experimentsMigrations.indexOf(ExperimentsMetricPointsUnique1766000000000);
    expect(unique).toBeGreaterThan(0);
    try {
      await runner.query('CREATE SCHEMA experiments'); // the service creates its schema before migrating
      for (const M of experimentsMigrations.slice(0, unique)) await new M().up(runner);
      const run = randomUUID();
      const points = [
        ['loss', 1, 10, 0],
        ['loss', 1, 10, 0], // repeated
        ['loss', 0.5, 20, 1],
        ['loss', 'NaN', 30, 2],
        ['loss', 'NaN', 30, 2], // NaN repeated: equal to itself here
        ['loss', 0.75, 20, 1], // same step and timestamp, another value: a point of its own
        ['acc', 1, 10, 0],
      ];
      const seqs: number[] = [];
      for (const [key, value, timestamp, step] of points) {
        const [row] = await db.query<{ seq: string }>('INSERT INTO experiments.metrics (run_id, key, value, timestamp, step) VALUES ($1, $2, $3::float8, $4, $5) RETURNING seq', [run, key, value, timestamp, step]);
        seqs.push(Number(row?.seq));
      }
      await new ExperimentsMetricPointsUnique1766000000000().up(runner);
      const kept = await db.query<{ seq: string; key: string; value: number }>('SELECT seq, key, value FROM experiments.metrics WHERE run_id = $1 ORDER BY seq', [run]);
      expect(kept.map((r) => [r.key, r.value])).toEqual([['loss', 1], ['loss', 0.5], ['loss', Number.NaN], ['loss', 0.75], ['acc', 1]]);
      // The first copies stayed (their seq), not the later ones.
      expect(kept.map((r) => Number(r.seq))).toEqual([0, 2, 3, 5, 6].map((i) => seqs[i]));
      await expect(db.query('INSERT INTO experiments.metrics (run_id, key, value, timestamp, step) VALUES ($1, $2, $3, $4, $5)', [run, 'loss', 0.5, 20, 1])).rejects.toThrow(/metrics_point_key/);

      await new ExperimentsMetricPointsUnique1766000000000().down(runner);
      const indexes = await db.query<{ indexname: string }>(`SELECT indexname FROM pg_indexes WHERE schemaname = 'experiments' AND tablename = 'metrics' ORDER BY 1`);
      expect(indexes.map((i) => i.indexname)).toEqual(['metrics_run_key_step_idx']);
    } finally {
      await runner.release();
    }
  });
});
