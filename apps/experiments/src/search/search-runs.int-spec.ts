import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DataSource } from 'typeorm';
import { createServiceApp } from '@shipyard/service-kit';
import { TestDatabase, TestNatsServer } from '@shipyard/testing';
import { ExperimentsModule } from '../app.module';
import { Caller } from '../common/caller';
import { loadExperimentsConfig } from '../config';
import { CreateExperimentUseCase } from '../experiments/create-experiment.use-case';
import { LogBatchUseCase } from '../metrics/log-batch.use-case';
import { CreateRunUseCase } from '../runs/create-run.use-case';
import { SearchRunsQuery } from './search-runs.query';

/**
 * Ordering by a metric reads the runs that have it and the runs without it in two steps; the pages must
 * be exactly those of one LEFT JOIN … ORDER BY value NULLS LAST, start_time DESC, id DESC, at every offset.
 */
describe('search ordered by a metric (real PostgreSQL)', () => {
  let db: TestDatabase;
  let nats: TestNatsServer;
  let app: NestFastifyApplication;
  let experimentId: string;
  const caller: Caller = { actor: { type: 'user', id: 'int-spec' }, userId: 'int-spec', requestId: 'int-spec-search' };
  const RUNS = 23;

  beforeAll(async () => {
    [db, nats] = await Promise.all([TestDatabase.create(), TestNatsServer.start()]);
    const config = loadExperimentsConfig({ SHIPYARD_ENV: 'test', SHIPYARD_DATABASE_URL: db.url, SHIPYARD_NATS_URL: nats.url, SHIPYARD_LOG_LEVEL: 'warn' });
    app = await createServiceApp({ service: 'experiments', title: 'experiments', module: ExperimentsModule.register(config), port: 0, shutdownTimeoutMs: 1000 });
    await app.init();
    experimentId = (await app.get(CreateExperimentUseCase).execute({ name: 'order-by-metric' }, caller)).id;
    const t0 = Date.UTC(2026, 0, 1);
    for (let i = 0; i < RUNS; i++) {
      // Every third run has no accuracy; values repeat (ties fall back to start_time, then id); some runs share a start time.
      const run = await app.get(CreateRunUseCase).execute({ experimentId, name: `r${i}`, startTime: new Date(t0 + Math.floor(i / 2) * 1000) }, caller);
      const metrics = i % 3 === 0 ? [{ key: 'loss', value: i }] : [{ key: 'accuracy', value: (i % 4) / 4 }, { key: 'loss', value: i }];
      await app.get(LogBatchUseCase).execute(run.id, { metrics, params: [{ key: 'group', value: i % 2 ? 'odd' : 'even' }] }, caller);
    }
  });

  afterAll(async () => {
    await app?.close();
    await nats?.destroy();
    await db?.drop();
  });

  /** The reference: one LEFT JOIN per order term, NULLS LAST, in one statement. */
  async function reference(direction: 'ASC' | 'DESC', filter: string, then: 'group' | null): Promise<string[]> {
    const found = await db.query<{ name: string }>(
      `SELECT r.name FROM experiments.runs r
       LEFT JOIN experiments.latest_metrics m ON m.run_id = r.id AND m.key = 'accuracy'
       LEFT JOIN experiments.params p ON p.run_id = r.id AND p.key = 'group'
       WHERE r.experiment_id = $1 ${filter}
       ORDER BY m.value ${direction} NULLS LAST, ${then ? 'p.value ASC NULLS LAST, ' : ''}r.start_time DESC, r.id DESC`,
      [experimentId],
    );
    return found.map((r) => r.name);
  }

  async function paged(orderBy: string[], filter: string, limit: number, offset: number): Promise<string[]> {
    const q = app.get(SearchRunsQuery);
    const names: string[] = [];
    let pageToken: string | undefined;
    // Walk to `offset` page by page (tokens carry the offset), then read one page.
    for (let seen = 0; seen < offset; seen += limit) {
      const res = await q.execute({ experimentIds: [experimentId], filter, orderBy, limit, ...(pageToken ? { pageToken } : {}) });
      if (!res.nextCursor) return names;
      pageToken = res.nextCursor;
    }
    const res = await q.execute({ experimentIds: [experimentId], filter, orderBy, limit, ...(pageToken ? { pageToken } : {}) });
    names.push(...res.items.map((r) => r.name ?? ''));
    return names;
  }

  it.each([
    ['DESC', '', null],
    ['ASC', '', null],
    ['DESC', "params.group = 'odd'", null],
    ['ASC', '', 'group'],
  ] as const)('orders by accuracy %s (filter "%s", then %s) as one LEFT JOIN would, on every page', async (direction, filter, then) => {
    const sqlFilter = filter ? `AND r.id IN (SELECT run_id FROM experiments.params WHERE key = 'group' AND value = 'odd')` : '';
    const expected = await reference(direction, sqlFilter, then);
    expect(expected.length).toBeGreaterThan(5);
    const orderBy = [`metrics.accuracy ${direction}`, ...(then ? [`params.${then} ASC`] : [])];
    for (const limit of [1, 4, 7, 100]) {
      const all: string[] = [];
      for (let offset = 0; offset < expected.length; offset += limit) all.push(...(await paged(orderBy, filter, limit, offset)));
      expect({ limit, names: all }).toEqual({ limit, names: expected });
    }
    // The same order written inside the filter.
    const res = await app.get(SearchRunsQuery).execute({ experimentIds: [experimentId], filter: `${filter} ORDER BY metrics.accuracy ${direction}`.trim(), ...(then ? { orderBy: [`params.${then} ASC`] } : {}), limit: 3 });
    expect(res.items.map((r) => r.name)).toEqual(expected.slice(0, 3));
  });

  it('jumps straight to an offset past every run with the metric', async () => {
    const expected = await reference('DESC', '', null);
    const withMetric = (await db.query<{ n: string }>(`SELECT count(*) AS n FROM experiments.latest_metrics WHERE key = 'accuracy'`))[0]?.n;
    const limit = 2;
    // Pages of 2 from offset 0: the page at offset 16 lies past the 15 runs with accuracy (count path).
    expect(Number(withMetric)).toBe(15);
    const names = await paged(['metrics.accuracy DESC'], '', limit, 16);
    expect(names).toEqual(expected.slice(16, 18));
  });

  it('keeps its transaction settings (isolation, timeout, no parallel workers) out of the pooled connections', async () => {
    const ds = app.get(DataSource);
    const settings = "SELECT current_setting('transaction_isolation') AS iso, current_setting('statement_timeout') AS timeout, current_setting('max_parallel_workers_per_gather') AS workers";
    const before = await ds.query<unknown[]>(settings);
    await app.get(SearchRunsQuery).execute({ experimentIds: [experimentId], filter: 'ORDER BY metrics.accuracy DESC', limit: 5 });
    expect(await ds.query<unknown[]>(settings)).toEqual(before);
  });
});
