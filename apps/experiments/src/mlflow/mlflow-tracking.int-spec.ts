import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { ACTOR_HEADER, REQUEST_ID_HEADER } from '@shipyard/contracts';
import type { TestDatabase } from '@shipyard/testing';
import { ExperimentsTestApp, startExperimentsApp } from '../../test/experiments-app';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** The MLflow-compatible tracking routes over HTTP (fastify inject), on real PostgreSQL and NATS. */
describe('MLflow tracking API (real PostgreSQL)', () => {
  let t: ExperimentsTestApp;
  let db: TestDatabase;
  let app: NestFastifyApplication;
  const api = '/api/2.0/mlflow';

  beforeAll(async () => {
    t = await startExperimentsApp();
    ({ app, db } = t);
  });

  afterAll(async () => {
    await t?.stop();
  });

  async function call(method: 'GET' | 'POST', path: string, body?: unknown, requestId = randomUUID()): Promise<Reply> {
    const res = await app.inject({ method, url: `${api}/${path}`, headers: { [ACTOR_HEADER]: 'user:int-spec', [REQUEST_ID_HEADER]: requestId, 'content-type': 'application/json' }, ...(body !== undefined ? { payload: JSON.stringify(body) } : {}) });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
  }

  async function ok<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
    const res = await call(method, path, body);
    expect({ path, status: res.status, body: res.body }).toEqual({ path, status: 200, body: expect.anything() });
    return res.body as T;
  }

  const unique = (p: string) => `${p}-${randomUUID().slice(0, 8)}`;
  const newExperiment = async () => (await ok<{ experiment_id: string }>('POST', 'experiments/create', { name: unique('exp') })).experiment_id;
  const newRun = async (experimentId: string, extra: Record<string, unknown> = {}) =>
    (await ok<{ run: { info: { run_id: string; run_name?: string; experiment_id: string }; data: { tags?: Array<{ key: string; value: string }>; metrics?: Array<{ key: string; value: unknown }> } } }>('POST', 'runs/create', { experiment_id: experimentId, ...extra })).run;
  const outboxSubjects = async (requestId: string) =>
    (await db.query<{ subject: string }>(`SELECT subject FROM experiments.outbox WHERE envelope->>'correlationId' = $1 ORDER BY seq`, [requestId])).map((r) => r.subject);
  // An outbox row's created_at is now(): the start of the transaction that wrote it, shared by all its rows.
  const transactionsOf = async (requestId: string) => (await db.query<{ n: number }>(`SELECT count(DISTINCT created_at)::int AS n FROM experiments.outbox WHERE envelope->>'correlationId' = $1`, [requestId]))[0]?.n;
  const storedNameAndTag = async (runId: string) =>
    (await db.query<{ name: string | null; tag: string | null }>(`SELECT r.name, t.value AS tag FROM experiments.runs r LEFT JOIN experiments.run_tags t ON t.run_id = r.id AND t.key = 'mlflow.runName' WHERE r.id = $1`, [runId]))[0];

  describe('ids that are not ids', () => {
    it('runs/search with an experiment id that is not one answers 400 INVALID_PARAMETER_VALUE naming it, not a 500', async () => {
      const res = await call('POST', 'runs/search', { experiment_ids: ['nope'] });
      expect(res).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/experiment_ids.*nope|nope.*experiment_ids/) } });
      // A well-formed id of no experiment finds nothing, as MLflow's stores do.
      expect(await call('POST', 'runs/search', { experiment_ids: [randomUUID()] })).toEqual({ status: 200, body: {} });
    });

    it.each([
      ['GET', 'experiments/get?experiment_id=nope', 'experiment_id', undefined],
      ['POST', 'experiments/update', 'experiment_id', { experiment_id: 'nope', new_name: 'x' }],
      ['POST', 'experiments/delete', 'experiment_id', { experiment_id: 'nope' }],
      ['POST', 'experiments/restore', 'experiment_id', { experiment_id: 'nope' }],
      ['POST', 'experiments/set-experiment-tag', 'experiment_id', { experiment_id: 'nope', key: 'k', value: 'v' }],
      ['POST', 'runs/create', 'experiment_id', { experiment_id: 'nope' }],
      ['GET', 'runs/get?run_id=nope', 'run_id', undefined],
      ['POST', 'runs/update', 'run_id', { run_id: 'nope', status: 'FINISHED' }],
      ['POST', 'runs/delete', 'run_id', { run_id: 'nope' }],
      ['POST', 'runs/restore', 'run_id', { run_id: 'nope' }],
      ['POST', 'runs/log-metric', 'run_id', { run_id: 'nope', key: 'm', value: 1, timestamp: 1, step: 0 }],
      ['POST', 'runs/log-parameter', 'run_id', { run_id: 'nope', key: 'p', value: 'v' }],
      ['POST', 'runs/log-batch', 'run_id', { run_id: 'nope', metrics: [] }],
      ['POST', 'runs/set-tag', 'run_id', { run_id: 'nope', key: 't', value: 'v' }],
      ['POST', 'runs/delete-tag', 'run_id', { run_id: 'nope', key: 't' }],
      ['POST', 'runs/log-inputs', 'run_id', { run_id: 'nope', datasets: [] }],
      ['GET', 'metrics/get-history?run_id=nope&metric_key=m', 'run_id', undefined],
    ] as const)('%s %s → 400 INVALID_PARAMETER_VALUE naming %s', async (method, path, param, body) => {
      const res = await call(method, path, body);
      expect(res).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining(`'${param}'`) } });
      expect(res.body.message).toContain('nope');
    });

    it('experiments/get takes an id only: an experiment name in experiment_id is not an id', async () => {
      const name = unique('by-name');
      await ok('POST', 'experiments/create', { name });
      expect((await call('GET', `experiments/get?experiment_id=${name}`)).status).toBe(400);
    });
  });

  it('runs/log-inputs with a dataset name longer than the column holds answers 400, not a 500', async () => {
    const run = await newRun(await newExperiment());
    const res = await call('POST', 'runs/log-inputs', { run_id: run.info.run_id, datasets: [{ dataset: { name: 'd'.repeat(251), digest: 'abc' } }] });
    expect(res).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('datasets[0].name') } });
  });

  describe('the Default experiment "0"', () => {
    it('exists as MLflow servers have it: get, get-by-name, search', async () => {
      const got = await ok<{ experiment: Record<string, unknown> }>('GET', 'experiments/get?experiment_id=0');
      expect(got.experiment).toEqual(expect.objectContaining({ experiment_id: '0', name: 'Default', lifecycle_stage: 'active' }));
      expect(await ok('GET', 'experiments/get-by-name?experiment_name=Default')).toEqual(got);
      const found = await ok<{ experiments: Array<{ experiment_id: string; name: string }> }>('POST', 'experiments/search', { filter: "name = 'Default'" });
      expect(found.experiments.map((e) => [e.experiment_id, e.name])).toEqual([['0', 'Default']]);
      // The native API is as it was: experiments keep their UUIDs, "0" names none of them.
      expect((await app.inject({ method: 'GET', url: '/api/v1/experiments/0', headers: { [ACTOR_HEADER]: 'user:int-spec' } })).statusCode).toBe(404);
      expect((await app.inject({ method: 'GET', url: '/api/v1/experiments/00000000-0000-0000-0000-000000000000', headers: { [ACTOR_HEADER]: 'user:int-spec' } })).json()).toEqual(expect.objectContaining({ name: 'Default' }));
    });

    it('takes runs with experiment_id "0" (mlflow.start_run() with no experiment set) and finds them by "0"', async () => {
      const run = await newRun('0', { run_name: 'default-run' });
      expect(run.info.experiment_id).toBe('0');
      expect((await ok<{ run: { info: { experiment_id: string } } }>('GET', `runs/get?run_id=${run.info.run_id}`)).run.info.experiment_id).toBe('0');
      const found = await ok<{ runs: Array<{ info: { run_id: string; experiment_id: string } }> }>('POST', 'runs/search', { experiment_ids: ['0'] });
      expect(found.runs.map((r) => r.info.run_id)).toContain(run.info.run_id);
      expect(new Set(found.runs.map((r) => r.info.experiment_id))).toEqual(new Set(['0']));
    });

    it('is one row with one experiment.created event in the outbox, however many requests asked for it', async () => {
      await Promise.all([call('GET', 'experiments/get?experiment_id=0'), call('POST', 'experiments/search', {}), call('GET', 'experiments/get-by-name?experiment_name=Default')]);
      const rows = await db.query<{ id: string; name: string }>(`SELECT id, name FROM experiments.experiments WHERE name = 'Default'`);
      expect(rows).toHaveLength(1);
      const events = await db.query<{ subject: string }>(`SELECT subject FROM experiments.outbox WHERE envelope->'aggregate'->>'id' = $1`, [rows[0]?.id]);
      expect(events.map((e) => e.subject)).toContain('shipyard.experiments.experiment.created.v1');
      expect(events.filter((e) => e.subject === 'shipyard.experiments.experiment.created.v1')).toHaveLength(1);
    });

    it('cannot be deleted, as in MLflow', async () => {
      const res = await call('POST', 'experiments/delete', { experiment_id: '0' });
      expect(res).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining('default experiment') } });
      expect((await ok<{ experiment: { lifecycle_stage: string } }>('GET', 'experiments/get?experiment_id=0')).experiment.lifecycle_stage).toBe('active');
    });
  });

  describe('NaN and infinite metric values, as MLflow clients send them (protobuf JSON strings)', () => {
    it('log-metric takes "NaN", log-batch "Infinity" and "-Infinity"; they read back the same way', async () => {
      const run = await newRun(await newExperiment());
      const runId = run.info.run_id;
      await ok('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 'NaN', timestamp: 1, step: 0 });
      await ok('POST', 'runs/log-batch', { run_id: runId, metrics: [{ key: 'grad', value: 'Infinity', timestamp: 1, step: 0 }, { key: 'grad', value: '-Infinity', timestamp: 2, step: 1 }, { key: 'acc', value: 0.5, timestamp: 1, step: 0 }] });
      const stored = await db.query<{ key: string; value: number }>(`SELECT key, value FROM experiments.metrics WHERE run_id = $1 ORDER BY seq`, [runId]);
      expect(stored).toEqual([{ key: 'loss', value: Number.NaN }, { key: 'grad', value: Number.POSITIVE_INFINITY }, { key: 'grad', value: Number.NEGATIVE_INFINITY }, { key: 'acc', value: 0.5 }]);
      const history = await ok<{ metrics: Array<{ value: unknown }> }>('GET', `metrics/get-history?run_id=${runId}&metric_key=grad`);
      expect(history.metrics.map((m) => m.value)).toEqual(['Infinity', '-Infinity']);
      const got = await ok<{ run: { data: { metrics: Array<{ key: string; value: unknown }> } } }>('GET', `runs/get?run_id=${runId}`);
      expect(Object.fromEntries(got.run.data.metrics.map((m) => [m.key, m.value]))).toEqual({ acc: 0.5, grad: '-Infinity', loss: 'NaN' });
      // Other strings are still no numbers.
      expect((await call('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 'nan-ish', timestamp: 1 })).status).toBe(400);
      expect((await call('POST', 'runs/log-batch', { run_id: runId, metrics: [{ key: 'loss', value: 'nan-ish', timestamp: 1 }] })).status).toBe(400);
    });
  });

  describe('the mlflow.runName tag and the run name stay in sync', () => {
    it('runs/set-tag mlflow.runName renames the run (one event each for the tag and the rename)', async () => {
      const run = await newRun(await newExperiment(), { run_name: 'before' });
      const requestId = randomUUID();
      expect((await call('POST', 'runs/set-tag', { run_id: run.info.run_id, key: 'mlflow.runName', value: 'after' }, requestId)).status).toBe(200);
      const got = (await ok<{ run: { info: { run_name: string }; data: { tags: Array<{ key: string; value: string }> } } }>('GET', `runs/get?run_id=${run.info.run_id}`)).run;
      expect(got.info.run_name).toBe('after');
      expect(got.data.tags).toContainEqual({ key: 'mlflow.runName', value: 'after' });
      expect((await outboxSubjects(requestId)).sort()).toEqual(['shipyard.experiments.run.data_logged.v1', 'shipyard.experiments.run.updated.v1']);
    });

    it('runs/update with run_name sets the tag too, also on a run created without it', async () => {
      const run = await newRun(await newExperiment());
      await ok('POST', 'runs/update', { run_id: run.info.run_id, run_name: 'renamed' });
      const stored = await db.query<{ value: string }>(`SELECT value FROM experiments.run_tags WHERE run_id = $1 AND key = 'mlflow.runName'`, [run.info.run_id]);
      expect(stored).toEqual([{ value: 'renamed' }]);
    });

    it('set-tag, log-batch and runs/update write the name and the tag in one transaction: both events commit together', async () => {
      const runId = (await newRun(await newExperiment(), { run_name: 'first' })).info.run_id;
      const DATA_LOGGED = 'shipyard.experiments.run.data_logged.v1';
      const UPDATED = 'shipyard.experiments.run.updated.v1';
      const writes: Array<[path: string, body: Record<string, unknown>, name: string, subjects: string[]]> = [
        ['runs/set-tag', { run_id: runId, key: 'mlflow.runName', value: 'by-set-tag' }, 'by-set-tag', [DATA_LOGGED, UPDATED]],
        ['runs/log-batch', { run_id: runId, metrics: [{ key: 'loss', value: 1, timestamp: 1, step: 0 }], tags: [{ key: 'mlflow.runName', value: 'by-log-batch' }] }, 'by-log-batch', [DATA_LOGGED, UPDATED]],
        ['runs/update', { run_id: runId, run_name: 'by-update' }, 'by-update', [UPDATED, DATA_LOGGED]],
      ];
      for (const [path, body, name, subjects] of writes) {
        const requestId = randomUUID();
        expect((await call('POST', path, body, requestId)).status).toBe(200);
        expect({ path, subjects: await outboxSubjects(requestId), transactions: await transactionsOf(requestId), stored: await storedNameAndTag(runId) }).toEqual({ path, subjects, transactions: 1, stored: { name, tag: name } });
      }
    });

    it('concurrent renames through set-tag, log-batch and runs/update never leave the name and the tag apart', async () => {
      const runId = (await newRun(await newExperiment(), { run_name: 'start' })).info.run_id;
      const requestIds: string[] = [];
      for (let round = 0; round < 5; round++) {
        const renames = Array.from({ length: 12 }, (_, i) => {
          const name = `r${round}-${i}`;
          const requestId = randomUUID();
          requestIds.push(requestId);
          if (i % 3 === 0) return call('POST', 'runs/set-tag', { run_id: runId, key: 'mlflow.runName', value: name }, requestId);
          if (i % 3 === 1) return call('POST', 'runs/log-batch', { run_id: runId, tags: [{ key: 'mlflow.runName', value: name }] }, requestId);
          return call('POST', 'runs/update', { run_id: runId, run_name: name }, requestId);
        });
        expect((await Promise.all(renames)).map((r) => r.status)).toEqual(Array(12).fill(200));
        const stored = await storedNameAndTag(runId);
        expect(stored?.tag).toBe(stored?.name);
        const got = (await ok<{ run: { info: { run_name: string }; data: { tags: Array<{ key: string; value: string }> } } }>('GET', `runs/get?run_id=${runId}`)).run;
        expect(got.data.tags).toContainEqual({ key: 'mlflow.runName', value: got.info.run_name });
      }
      const split = await db.query(`SELECT envelope->>'correlationId' AS request FROM experiments.outbox WHERE envelope->>'correlationId' = ANY($1) GROUP BY 1 HAVING count(DISTINCT created_at) > 1`, [requestIds]);
      expect(split).toEqual([]);
    });

    it('a run name longer than a run name can be answers 400, not a 500', async () => {
      const run = await newRun(await newExperiment());
      const long = 'n'.repeat(251);
      expect((await call('POST', 'runs/set-tag', { run_id: run.info.run_id, key: 'mlflow.runName', value: long })).status).toBe(400);
      expect((await call('POST', 'runs/update', { run_id: run.info.run_id, run_name: long })).status).toBe(400);
      expect((await call('POST', 'runs/create', { experiment_id: run.info.experiment_id, run_name: long })).status).toBe(400);
    });
  });

  describe('a metric point is logged once (run, key, step, timestamp, value), as in MLflow\'s SQL store', () => {
    type History = { metrics?: Array<{ value: unknown; step: number; timestamp: number }>; next_page_token?: string };

    it('a retried log-batch, a point repeated in a batch and log-metric of a logged point add nothing; another value at the same step is a point', async () => {
      const runId = (await newRun(await newExperiment())).info.run_id;
      const batch = { run_id: runId, metrics: [{ key: 'loss', value: 1, timestamp: 10, step: 0 }, { key: 'loss', value: 1, timestamp: 10, step: 0 }, { key: 'loss', value: 0.5, timestamp: 20, step: 1 }, { key: 'loss', value: 'NaN', timestamp: 30, step: 2 }] };
      await ok('POST', 'runs/log-batch', batch);
      await ok('POST', 'runs/log-batch', batch); // the client's retry
      await ok('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 0.5, timestamp: 20, step: 1 });
      await ok('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 'NaN', timestamp: 30, step: 2 });
      await ok('POST', 'runs/log-metric', { run_id: runId, key: 'loss', value: 0.75, timestamp: 20, step: 1 });
      const history = await ok<History>('GET', `metrics/get-history?run_id=${runId}&metric_key=loss`);
      expect(history.metrics).toEqual([
        { key: 'loss', value: 1, timestamp: 10, step: 0 },
        { key: 'loss', value: 0.5, timestamp: 20, step: 1 },
        { key: 'loss', value: 0.75, timestamp: 20, step: 1 },
        { key: 'loss', value: 'NaN', timestamp: 30, step: 2 },
      ]);
      expect(await db.query(`SELECT count(*)::int AS n FROM experiments.metrics WHERE run_id = $1`, [runId])).toEqual([{ n: 4 }]);
    });

    it('pages through points that share a step and a timestamp in value order, NaN and infinities included, each once', async () => {
      const runId = (await newRun(await newExperiment())).info.run_id;
      const values: Array<number | string> = [3, 1, 'NaN', 2, '-Infinity', 'Infinity', 0.1 + 0.2];
      await ok('POST', 'runs/log-batch', { run_id: runId, metrics: values.map((value) => ({ key: 'tie', value, timestamp: 5, step: 7 })) });
      const seen: unknown[] = [];
      let token: string | undefined;
      do {
        const page: History = await ok<History>('GET', `metrics/get-history?run_id=${runId}&metric_key=tie&max_results=2${token ? `&page_token=${token}` : ''}`);
        seen.push(...(page.metrics ?? []).map((m) => m.value));
        token = page.next_page_token;
      } while (token);
      expect(seen).toEqual(['-Infinity', 0.1 + 0.2, 1, 2, 3, 'Infinity', 'NaN']);
    });
  });

  describe('writes to deleted runs and experiments, answered as MLflow\'s store answers them', () => {
    const refused = { status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(/is deleted/) } };

    it('logging to a deleted run is 400 INVALID_PARAMETER_VALUE (not INVALID_STATE, a 500 that clients retry), and nothing is written', async () => {
      const run = await newRun(await newExperiment());
      await ok('POST', 'runs/delete', { run_id: run.info.run_id });
      expect(await call('POST', 'runs/log-metric', { run_id: run.info.run_id, key: 'loss', value: 1, timestamp: 1, step: 0 })).toEqual(refused);
      expect(await call('POST', 'runs/log-parameter', { run_id: run.info.run_id, key: 'lr', value: '0.1' })).toEqual(refused);
      const stored = await db.query(`SELECT 1 FROM experiments.metrics WHERE run_id = $1 UNION ALL SELECT 1 FROM experiments.params WHERE run_id = $1`, [run.info.run_id]);
      expect(stored).toEqual([]);
    });

    it('runs/update of a deleted run is 400 INVALID_PARAMETER_VALUE and changes nothing (name, tag, status, no event); restored, it updates', async () => {
      const runId = (await newRun(await newExperiment(), { run_name: 'kept' })).info.run_id;
      await ok('POST', 'runs/delete', { run_id: runId });
      const requestIds = [randomUUID(), randomUUID(), randomUUID()];
      expect(await call('POST', 'runs/update', { run_id: runId, run_name: 'renamed' }, requestIds[0])).toEqual(refused);
      expect(await call('POST', 'runs/update', { run_id: runId, status: 'FINISHED' }, requestIds[1])).toEqual(refused);
      expect(await call('POST', 'runs/set-tag', { run_id: runId, key: 'mlflow.runName', value: 'renamed' }, requestIds[2])).toEqual(refused);
      expect(await db.query(`SELECT r.name, r.status, r.end_time, t.value AS tag FROM experiments.runs r JOIN experiments.run_tags t ON t.run_id = r.id AND t.key = 'mlflow.runName' WHERE r.id = $1`, [runId])).toEqual([
        { name: 'kept', status: 'RUNNING', end_time: null, tag: 'kept' },
      ]);
      for (const requestId of requestIds) expect(await outboxSubjects(requestId)).toEqual([]);

      await ok('POST', 'runs/restore', { run_id: runId });
      const updated = await ok<{ run_info: { run_name: string; status: string; lifecycle_stage: string } }>('POST', 'runs/update', { run_id: runId, run_name: 'renamed', status: 'FINISHED' });
      expect(updated.run_info).toEqual(expect.objectContaining({ run_name: 'renamed', status: 'FINISHED', lifecycle_stage: 'active' }));
      expect(await storedNameAndTag(runId)).toEqual({ name: 'renamed', tag: 'renamed' });
    });

    it('creating a run in a deleted experiment is 400 INVALID_PARAMETER_VALUE', async () => {
      const experimentId = await newExperiment();
      await ok('POST', 'experiments/delete', { experiment_id: experimentId });
      expect(await call('POST', 'runs/create', { experiment_id: experimentId })).toEqual(refused);
    });
  });
});
