import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Client } from 'pg';
import { createServiceApp } from '@shipyard/service-kit';
import { TestDatabase, TestNatsServer } from '@shipyard/testing';
import { ExperimentsModule } from '../app.module';
import { Caller } from '../common/caller';
import { loadExperimentsConfig } from '../config';
import { CreateExperimentUseCase } from '../experiments/create-experiment.use-case';
import { CreateRunUseCase } from '../runs/create-run.use-case';
import { batchCommandOf } from './batch-validation';
import { LogBatchUseCase } from './log-batch.use-case';
import { float8Array, int8Array, textArray } from './run-data.repository';

/** History and latest values written by one statement over unnest(), checked row by row in PostgreSQL. */
describe('log-batch metrics (real PostgreSQL)', () => {
  let db: TestDatabase;
  let nats: TestNatsServer;
  let app: NestFastifyApplication;
  let experimentId: string;
  const caller: Caller = { actor: { type: 'user', id: 'int-spec' }, userId: 'int-spec', requestId: 'int-spec-log-batch' };

  beforeAll(async () => {
    [db, nats] = await Promise.all([TestDatabase.create(), TestNatsServer.start()]);
    const config = loadExperimentsConfig({ SHIPYARD_ENV: 'test', SHIPYARD_DATABASE_URL: db.url, SHIPYARD_NATS_URL: nats.url, SHIPYARD_LOG_LEVEL: 'warn' });
    app = await createServiceApp({ service: 'experiments', title: 'experiments', module: ExperimentsModule.register(config), port: 0, shutdownTimeoutMs: 1000 });
    await app.init();
    experimentId = (await app.get(CreateExperimentUseCase).execute({ name: 'log-batch' }, caller)).id;
  });

  afterAll(async () => {
    await app?.close();
    await nats?.destroy();
    await db?.drop();
  });

  const newRun = async () => (await app.get(CreateRunUseCase).execute({ experimentId }, caller)).id;
  const log = (runId: string, metrics: Array<{ key: string; value: number; step?: number; timestamp?: number }>) => app.get(LogBatchUseCase).execute(runId, { metrics }, caller);
  const history = async (runId: string) =>
    (await db.query<{ key: string; value: number; step: string; timestamp: string }>('SELECT key, value, step, timestamp FROM experiments.metrics WHERE run_id = $1 ORDER BY seq', [runId])).map((r) => [r.key, r.value, Number(r.step), Number(r.timestamp)]);
  const latest = async (runId: string) =>
    (await db.query<{ key: string; value: number; step: string; timestamp: string }>('SELECT key, value, step, timestamp FROM experiments.latest_metrics WHERE run_id = $1 ORDER BY key', [runId])).map((r) => [r.key, r.value, Number(r.step), Number(r.timestamp)]);

  it('stores the history in batch order (seq follows the order items were sent) across batches', async () => {
    const run = await newRun();
    const first = Array.from({ length: 1000 }, (_, i) => ({ key: ['loss', 'acc', 'val/loss'][i % 3] ?? 'loss', value: (i * 7919) % 1000 / 1000, step: 999 - i, timestamp: 1_700_000_000_000 + ((i * 31) % 97) }));
    const second = [{ key: 'loss', value: -1.5, step: -3, timestamp: 5 }, { key: 'zz', value: 2, step: 0, timestamp: 0 }];
    await log(run, first);
    await log(run, second);
    expect(await history(run)).toEqual([...first, ...second].map((m) => [m.key, m.value, m.step, m.timestamp]));
  });

  it('keeps per key the point with the highest (step, timestamp), value breaking ties, within and across batches', async () => {
    const run = await newRun();
    await log(run, [
      { key: 'a', value: 1, step: 2, timestamp: 10 },
      { key: 'a', value: 9, step: 1, timestamp: 99 }, // lower step loses despite the later timestamp
      { key: 'b', value: 1, step: 5, timestamp: 10 },
      { key: 'b', value: 2, step: 5, timestamp: 11 }, // same step: later timestamp wins
      { key: 'c', value: 3, step: 7, timestamp: 7 },
      { key: 'c', value: 4, step: 7, timestamp: 7 }, // same step and timestamp: higher value wins
      { key: 'c', value: 2, step: 7, timestamp: 7 },
    ]);
    expect(await latest(run)).toEqual([['a', 1, 2, 10], ['b', 2, 5, 11], ['c', 4, 7, 7]]);
    await log(run, [
      { key: 'a', value: 5, step: 1, timestamp: 1000 }, // older step: history only
      { key: 'b', value: 0.5, step: 5, timestamp: 12 }, // same step, later: replaces
      { key: 'c', value: 3.5, step: 7, timestamp: 7 }, // full tie on (step, timestamp), lower value: kept out
      { key: 'd', value: 1, step: 0, timestamp: 0 },
    ]);
    expect(await latest(run)).toEqual([['a', 1, 2, 10], ['b', 0.5, 5, 12], ['c', 4, 7, 7], ['d', 1, 0, 0]]);
    expect((await history(run)).length).toBe(11);
  });

  it('refuses unknown top-level fields and non-object bodies like the DTO whitelist did', () => {
    expect(batchCommandOf({ metrics: [], params: [], tags: [] })).toEqual({ metrics: [], params: [], tags: [] });
    const refusal = (body: unknown): unknown => {
      try {
        batchCommandOf(body);
      } catch (e) {
        return e;
      }
      return null;
    };
    expect(refusal({ metrics: [], colour: 'red' })).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'colour', problems: ['property colour should not exist'] }] });
    for (const body of [null, undefined, [], 'x', 3]) expect({ body, refusal: refusal(body) }).toMatchObject({ body, refusal: { code: 'VALIDATION_FAILED', details: [{ field: 'body', problems: ['must be a JSON object'] }] } });
  });

  it('builds binary arrays PostgreSQL reads back exactly', async () => {
    const numbers = [0, -0, 1, -1, 0.1, 1 / 3, 1e-300, 5e-324, 1.7976931348623157e308, -2.5e21, 123456789.123456789, NaN, Infinity, -Infinity];
    const integers = [0, 1, -1, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER, 1_700_000_000_000];
    const texts = ['plain', 'with space', 'a"quote', 'back\\slash', '{braces},', 'NULL', '', 'ünï'];
    const c = new Client({ connectionString: db.url });
    await c.connect();
    try {
      const res = await c.query<{ f: number[]; i: string[]; t: string[]; fs: string; is: string }>('SELECT $1::float8[] AS f, $2::int8[] AS i, $3::text[] AS t, $1::float8[]::text AS fs, $2::int8[]::text AS "is"', [float8Array(numbers), int8Array(integers), textArray(texts)]);
      const row = res.rows[0];
      expect(row?.f).toEqual(numbers.map((v) => (v === 0 ? 0 : v)));
      expect(Object.is(row?.f[1], 0)).toBe(true); // -0 is stored as 0, as its text form was
      expect(row?.i).toEqual(integers.map(String)); // exact, not through doubles
      expect(row?.t).toEqual(texts);
      expect(row?.fs).toBe('{0,0,1,-1,0.1,0.3333333333333333,1e-300,5e-324,1.7976931348623157e+308,-2.5e+21,123456789.12345679,NaN,Infinity,-Infinity}');
      expect(row?.is).toBe('{0,1,-1,9007199254740991,-9007199254740991,1700000000000}');
      const empty = await c.query<{ f: number[]; i: string[]; t: string[] }>('SELECT $1::float8[] AS f, $2::int8[] AS i, $3::text[] AS t', [float8Array([]), int8Array([]), textArray([])]);
      expect(empty.rows[0]).toEqual({ f: [], i: [], t: [] });
    } finally {
      await c.end();
    }
  });
});
