import { createHash, randomUUID } from 'node:crypto';
import { TestStack, waitFor } from '@shipyard/testing';
import { auditEvents, request, Target } from './http';

interface Experiment { id: string; name: string; description: string | null; artifactLocation: string; lifecycleStage: string; tags: Record<string, string> }
interface Run { id: string; experimentId: string; name: string | null; status: string; startTime: string; endTime: string | null; durationMs: number | null; userId: string | null; lifecycleStage: string; params: Record<string, string>; tags: Record<string, string>; metrics: Array<{ key: string; value: number; step: number; timestamp: number }>; inputs: Array<{ datasetId: string; name: string; digest: string; context: string; rowCount: number | null }> }
interface Page<T> { items: T[]; nextCursor: string | null }
interface ErrorBody { error: { code: string; message: string; details?: unknown; requestId: string } }

describe('experiments API through the gateway (services as processes)', () => {
  let stack: TestStack;
  let gw: Target;
  let scientist: { id: string; token: string };
  let viewer: { id: string; token: string };

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['audit', 'experiments', 'api-gateway'] });
    gw = { url: stack.url('api-gateway'), token: await stack.adminToken() };
    scientist = await stack.user('scientist@example.com', 'data-scientist');
    viewer = await stack.user('viewer@example.com', 'viewer');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const unique = (what: string) => `${what}-${randomUUID().slice(0, 8)}`;
  const as = (token: string): Target => ({ url: stack.url('api-gateway'), token });

  async function createExperiment(name = unique('exp'), extra: Record<string, unknown> = {}): Promise<Experiment> {
    const res = await request<Experiment>(as(scientist.token), 'POST', '/api/v1/experiments', { body: { name, ...extra } });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function createRun(experimentId: string, extra: Record<string, unknown> = {}): Promise<Run> {
    const res = await request<Run>(as(scientist.token), 'POST', '/api/v1/runs', { body: { experimentId, ...extra } });
    expect(res.status).toBe(201);
    return res.body;
  }

  async function logBatch(runId: string, body: Record<string, unknown>, expected = 201): Promise<unknown> {
    const res = await request(as(scientist.token), 'POST', `/api/v1/runs/${runId}/log-batch`, { body });
    expect({ status: res.status, body: res.body }).toEqual({ status: expected, body: expect.anything() });
    return res.body;
  }

  async function search(body: Record<string, unknown>) {
    return request<Page<Run>>(gw, 'POST', '/api/v1/runs/search', { body });
  }

  it('creates, reads, renames, tags, deletes and restores an experiment; each write reaches audit', async () => {
    const requestId = `e2e-${randomUUID()}`;
    const name = unique('churn');
    const created = await request<Experiment>(as(scientist.token), 'POST', '/api/v1/experiments', { body: { name, description: 'baselines', tags: [{ key: 'team', value: 'growth' }] }, headers: { 'x-request-id': requestId } });
    expect(created.status).toBe(201);
    const id = created.body.id;
    expect(created.body).toMatchObject({ name, description: 'baselines', lifecycleStage: 'active', tags: { team: 'growth' }, artifactLocation: `s3://shipyard-artifacts/experiments/${id}` });
    expect((await request<Experiment>(gw, 'GET', `/api/v1/experiments/${name}`)).body.id).toBe(id);
    expect((await request<ErrorBody>(gw, 'POST', '/api/v1/experiments', { body: { name } })).body.error.code).toBe('EXPERIMENT_NAME_TAKEN');

    const renamed = await request<Experiment>(gw, 'PATCH', `/api/v1/experiments/${id}`, { body: { name: `${name}-v2`, tags: [{ key: 'stage', value: 'dev' }] } });
    expect(renamed.body).toMatchObject({ name: `${name}-v2`, tags: { team: 'growth', stage: 'dev' } });
    expect((await request<Experiment>(gw, 'DELETE', `/api/v1/experiments/${id}`)).body.lifecycleStage).toBe('deleted');
    expect((await request<ErrorBody>(gw, 'POST', '/api/v1/runs', { body: { experimentId: id } })).body.error.code).toBe('EXPERIMENT_DELETED');
    expect((await request<Experiment>(gw, 'POST', `/api/v1/experiments/${id}/restore`)).body.lifecycleStage).toBe('active');

    const events = await waitFor('four experiment events', async () => {
      const e = await auditEvents(gw, { aggregateId: id });
      return e.length === 4 ? e : null;
    });
    expect(events.map((e) => e.action)).toEqual(['experiment.created', 'experiment.updated', 'experiment.deleted', 'experiment.restored']);
    expect(events[0]).toMatchObject({ correlationId: requestId, actor: { type: 'user', id: scientist.id }, payload: { id, name, tags: { team: 'growth' } } });
    expect(events[1]).toMatchObject({ payload: { changed: ['name', 'tags'] }, before: { name }, after: { name: `${name}-v2` } });
  });

  it('lets a viewer read but not write (403 on every write route)', async () => {
    const exp = await createExperiment();
    const run = await createRun(exp.id);
    const v = as(viewer.token);
    expect((await request(v, 'GET', `/api/v1/experiments/${exp.id}`)).status).toBe(200);
    expect((await request(v, 'GET', `/api/v1/runs/${run.id}`)).status).toBe(200);
    expect((await request(v, 'POST', '/api/v1/runs/search', { body: { experimentIds: [exp.id] } })).status).toBe(200);
    const writes: Array<[string, string, unknown]> = [
      ['POST', '/api/v1/experiments', { name: unique('viewer') }],
      ['PATCH', `/api/v1/experiments/${exp.id}`, { description: 'x' }],
      ['DELETE', `/api/v1/experiments/${exp.id}`, undefined],
      ['POST', '/api/v1/runs', { experimentId: exp.id }],
      ['POST', `/api/v1/runs/${run.id}/params`, { key: 'a', value: 'b' }],
      ['POST', `/api/v1/runs/${run.id}/metrics`, { key: 'a', value: 1 }],
      ['POST', `/api/v1/runs/${run.id}/log-batch`, { metrics: [{ key: 'a', value: 1 }] }],
      ['POST', `/api/v1/runs/${run.id}/inputs`, { datasets: [] }],
      ['PATCH', `/api/v1/runs/${run.id}`, { status: 'FINISHED' }],
    ];
    for (const [method, path, body] of writes) {
      const res = await request<ErrorBody>(v, method, path, body === undefined ? {} : { body });
      expect({ method, path, status: res.status, code: res.body.error.code }).toEqual({ method, path, status: 403, code: 'FORBIDDEN' });
    }
    expect((await request<Run>(gw, 'GET', `/api/v1/runs/${run.id}`)).body.params).toEqual({});
  });

  it('keeps params immutable: the same value again is fine, another value is a 400 and the whole batch is refused', async () => {
    const run = await createRun((await createExperiment()).id);
    const s = as(scientist.token);
    expect((await request(s, 'POST', `/api/v1/runs/${run.id}/params`, { body: { key: 'optimizer', value: 'adam' } })).status).toBe(201);
    expect((await request(s, 'POST', `/api/v1/runs/${run.id}/params`, { body: { key: 'optimizer', value: 'adam' } })).status).toBe(201);
    const changed = await request<ErrorBody>(s, 'POST', `/api/v1/runs/${run.id}/params`, { body: { key: 'optimizer', value: 'sgd' } });
    expect(changed.status).toBe(400);
    expect(changed.body.error).toMatchObject({ code: 'PARAM_IMMUTABLE', details: [{ key: 'optimizer', logged: 'adam', attempted: 'sgd' }] });
    expect(changed.body.error.message).toContain('"optimizer" was logged as "adam", not "sgd"');

    const refused = await request<ErrorBody>(s, 'POST', `/api/v1/runs/${run.id}/log-batch`, { body: { metrics: [{ key: 'loss', value: 1 }], params: [{ key: 'lr', value: '0.1' }, { key: 'optimizer', value: 'rmsprop' }] } });
    expect(refused.body.error.code).toBe('PARAM_IMMUTABLE');
    const after = (await request<Run>(gw, 'GET', `/api/v1/runs/${run.id}`)).body;
    expect(after.params).toEqual({ optimizer: 'adam' });
    expect(after.metrics).toEqual([]);
    expect((await request<ErrorBody>(s, 'POST', `/api/v1/runs/${run.id}/log-batch`, { body: { params: [{ key: 'x', value: '1' }, { key: 'x', value: '2' }] } })).body.error.code).toBe('VALIDATION_FAILED');
    expect((await request<ErrorBody>(s, 'POST', `/api/v1/runs/${run.id}/params`, { body: { key: 'k'.repeat(251), value: 'v' } })).status).toBe(400);
    expect((await request<ErrorBody>(s, 'POST', `/api/v1/runs/${run.id}/params`, { body: { key: 'long', value: 'v'.repeat(6001) } })).status).toBe(400);
    expect((await request(s, 'POST', `/api/v1/runs/${run.id}/params`, { body: { key: 'k'.repeat(250), value: 'v'.repeat(6000) } })).status).toBe(201);
  });

  it('enforces batch limits, naming the limit, and validates every item before writing', async () => {
    const run = await createRun((await createExperiment()).id);
    const s = as(scientist.token);
    const metrics = (n: number) => Array.from({ length: n }, (_, i) => ({ key: 'loss', value: 1 / (i + 1), step: i, timestamp: 1_700_000_000_000 + i }));
    const kv = (n: number) => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: String(i) }));
    for (const [body, field, limit] of [[{ metrics: metrics(1001) }, 'metrics', 1000], [{ params: kv(101) }, 'params', 100], [{ tags: kv(101) }, 'tags', 100]] as const) {
      const res = await request<ErrorBody>(s, 'POST', `/api/v1/runs/${run.id}/log-batch`, { body });
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ code: 'BATCH_LIMIT_EXCEEDED', message: `a batch holds at most ${limit} ${field}; got ${limit + 1}`, details: { field, limit, got: limit + 1 } });
    }
    const bad = await request<ErrorBody>(s, 'POST', `/api/v1/runs/${run.id}/log-batch`, { body: { metrics: [{ key: 'ok', value: 1 }, { key: 'bad key!', value: 'x', colour: 1 }] } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: 'metrics[1]', problems: expect.arrayContaining(['property colour should not exist', 'value must be a number']) }] });
    expect((await request<Run>(gw, 'GET', `/api/v1/runs/${run.id}`)).body.metrics).toEqual([]);

    expect(await logBatch(run.id, { metrics: metrics(1000), params: kv(100), tags: kv(100) })).toEqual({ runId: run.id, metrics: 1000, params: 100, tags: 100 });
    const stored = (await request<Run>(gw, 'GET', `/api/v1/runs/${run.id}`)).body;
    expect(stored.metrics).toEqual([{ key: 'loss', value: 1 / 1000, step: 999, timestamp: 1_700_000_000_999 }]);
    expect(Object.keys(stored.params)).toHaveLength(100);

    const events = await waitFor('run.data_logged in audit', async () => {
      const e = await auditEvents(gw, { aggregateId: run.id, action: 'run.data_logged' });
      return e.length === 1 ? e : null;
    });
    expect(events[0]?.payload).toMatchObject({ id: run.id, metrics: 1000, params: 100, tags: 100, metricKeys: 1 });
  });

  it('answers a body over the limit with 413 every time, native and MLflow routes alike (it raced the service and answered 503 or hung)', async () => {
    const run = await createRun((await createExperiment()).id);
    const s = as(scientist.token);
    const huge = JSON.stringify({ metrics: [{ key: 'k', value: 1, step: 0, timestamp: 1, pad: 'x'.repeat(5 * 1024 * 1024) }] });
    for (let i = 0; i < 5; i++) {
      const native = await request<ErrorBody>(s, 'POST', `/api/v1/runs/${run.id}/log-batch`, { raw: huge });
      expect({ status: native.status, code: native.body.error.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
      const mlflow = await request<{ error_code: string }>(s, 'POST', '/api/2.0/mlflow/runs/log-batch', { raw: huge });
      expect(mlflow.status).toBeLessThan(500);
    }
  });

  it('returns metric history in step order, within step ranges, paged; the latest value is the highest step', async () => {
    const run = await createRun((await createExperiment()).id);
    const t0 = 1_700_000_000_000;
    await logBatch(run.id, { metrics: [{ key: 'loss', value: 0.5, step: 5, timestamp: t0 + 50 }, { key: 'loss', value: 0.9, step: 1, timestamp: t0 + 10 }] });
    await logBatch(run.id, { metrics: [{ key: 'loss', value: 0.7, step: 3, timestamp: t0 + 30 }, { key: 'loss', value: 0.65, step: 3, timestamp: t0 + 20 }, { key: 'acc', value: 0.1, step: 9 }] });
    expect((await request(as(scientist.token), 'POST', `/api/v1/runs/${run.id}/metrics`, { body: { key: 'loss', value: 0.8, step: 2, timestamp: t0 + 99 } })).status).toBe(201);

    const all = await request<{ key: string; items: Array<{ value: number; step: number; timestamp: number }> }>(gw, 'GET', `/api/v1/runs/${run.id}/metric-history?key=loss`);
    expect(all.body.items.map((p) => [p.step, p.value])).toEqual([[1, 0.9], [2, 0.8], [3, 0.65], [3, 0.7], [5, 0.5]]);
    const ranged = await request<{ items: Array<{ step: number }> }>(gw, 'GET', `/api/v1/runs/${run.id}/metric-history?key=loss&minStep=2&maxStep=3`);
    expect(ranged.body.items.map((p) => p.step)).toEqual([2, 3, 3]);

    const paged: number[] = [];
    let cursor: string | null = null;
    do {
      const res: { body: { items: Array<{ value: number }>; nextCursor: string | null } } = await request(gw, 'GET', `/api/v1/runs/${run.id}/metric-history?key=loss&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      paged.push(...res.body.items.map((p) => p.value));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(paged).toEqual([0.9, 0.8, 0.65, 0.7, 0.5]);

    const latest = (await request<Run>(gw, 'GET', `/api/v1/runs/${run.id}`)).body.metrics;
    expect(latest).toEqual([{ key: 'acc', value: 0.1, step: 9, timestamp: expect.any(Number) }, { key: 'loss', value: 0.5, step: 5, timestamp: t0 + 50 }]);
    expect((await request<ErrorBody>(gw, 'GET', `/api/v1/runs/${run.id}/metric-history?key=loss&cursor=abc`)).body.error.code).toBe('INVALID_CURSOR');
    expect((await request(gw, 'GET', `/api/v1/runs/${run.id}/metric-history`)).status).toBe(400);
  });

  it('answers the seed query: experiments with a run whose latest accuracy ≥ the bound (min_accuracy and min_metric)', async () => {
    const prefix = unique('gate');
    const [a, b, c] = [await createExperiment(`${prefix}-a`), await createExperiment(`${prefix}-b`), await createExperiment(`${prefix}-c`)];
    const runA = await createRun(a.id);
    await logBatch(runA.id, { metrics: [{ key: 'accuracy', value: 0.97, step: 1 }, { key: 'accuracy', value: 0.93, step: 2 }, { key: 'val/f1', value: 0.4 }] });
    await logBatch((await createRun(b.id)).id, { metrics: [{ key: 'accuracy', value: 0.95, step: 1 }, { key: 'accuracy', value: 0.85, step: 2 }, { key: 'val/f1', value: 0.7 }] });
    await createRun(c.id);
    const names = async (qs: string) => {
      const res = await request<Page<Experiment>>(gw, 'GET', `/api/v1/experiments?namePrefix=${prefix}&${qs}`);
      expect(res.status).toBe(200);
      return res.body.items.map((e) => e.name.slice(prefix.length + 1)).sort();
    };
    expect(await names('min_accuracy=0.90')).toEqual(['a']); // b's latest accuracy (highest step) is 0.85
    expect(await names('min_metric=accuracy:0.8')).toEqual(['a', 'b']);
    expect(await names('min_metric=val/f1:0.5')).toEqual(['b']);
    expect(await names('min_metric=accuracy:0.9&min_metric=val/f1:0.5')).toEqual([]);
    expect(await names('min_metric=accuracy:0.99')).toEqual([]);
    expect(await names('')).toEqual(['a', 'b', 'c']);
    await request(gw, 'DELETE', `/api/v1/runs/${runA.id}`);
    expect(await names('min_accuracy=0.9')).toEqual([]); // deleted runs do not count
    for (const bad of ['min_metric=accuracy', 'min_metric=accuracy:high', 'min_accuracy=high', 'min_metric=%27%3B%20DROP:1']) {
      const res = await request<ErrorBody>(gw, 'GET', `/api/v1/experiments?${bad}`);
      expect({ bad, status: res.status, code: res.body.error.code }).toEqual({ bad, status: 400, code: 'VALIDATION_FAILED' });
    }
  });

  describe('search', () => {
    let exp: Experiment;
    const runs: Record<string, Run> = {};

    beforeAll(async () => {
      exp = await createExperiment();
      const specs: Array<[string, number, number, string, string]> = [
        ['r1', 0.95, 0.91, 'adam', 'vision'],
        ['r2', 0.92, 0.80, 'sgd', 'vision'],
        ['r3', 0.85, 0.88, 'adam', 'nlp'],
        ['r4', 0.60, 0.99, 'rmsprop', 'nlp'],
        ['r5', 0.97, 0.70, 'sgd', "o'brien"],
      ];
      for (const [name, accuracy, f1, optimizer, team] of specs) {
        runs[name] = await createRun(exp.id, { name, tags: [{ key: 'team', value: team }] });
        await logBatch(runs[name].id, { metrics: [{ key: 'accuracy', value: accuracy }, { key: 'f1', value: f1 }], params: [{ key: 'optimizer', value: optimizer }] });
      }
      await request(gw, 'PATCH', `/api/v1/runs/${runs.r1!.id}`, { body: { status: 'FINISHED' } });
      await request(gw, 'PATCH', `/api/v1/runs/${runs.r3!.id}`, { body: { status: 'FAILED' } });
    });

    const found = async (filter: string, extra: Record<string, unknown> = {}) => {
      const res = await search({ experimentIds: [exp.id], filter, ...extra });
      expect({ filter, status: res.status }).toEqual({ filter, status: 200 });
      return res.body.items.map((r) => r.name);
    };

    it('filters with AND, OR, parentheses, LIKE/ILIKE, IN and attributes', async () => {
      expect((await found("metrics.accuracy > 0.9 AND params.optimizer = 'adam'")).sort()).toEqual(['r1']);
      expect((await found("metrics.accuracy > 0.9 OR params.optimizer = 'adam'")).sort()).toEqual(['r1', 'r2', 'r3', 'r5']);
      expect((await found("(params.optimizer = 'sgd' OR tags.team = 'nlp') AND metrics.f1 >= 0.8")).sort()).toEqual(['r2', 'r3', 'r4']);
      expect((await found("params.optimizer = 'sgd' OR tags.team = 'nlp' AND metrics.f1 >= 0.9")).sort()).toEqual(['r2', 'r4', 'r5']);
      expect((await found("tags.team LIKE 'vis%'")).sort()).toEqual(['r1', 'r2']);
      expect((await found("tags.team ILIKE 'NL%'")).sort()).toEqual(['r3', 'r4']);
      expect((await found("params.optimizer IN ('rmsprop', 'sgd')")).sort()).toEqual(['r2', 'r4', 'r5']);
      expect((await found("params.optimizer NOT IN ('rmsprop', 'sgd')")).sort()).toEqual(['r1', 'r3']);
      expect((await found("attributes.status = 'FINISHED'")).sort()).toEqual(['r1']);
      expect((await found("attributes.status IN ('FINISHED', 'FAILED') AND attributes.duration >= 0")).sort()).toEqual(['r1', 'r3']);
      expect((await found("tags.team = 'o''brien'")).sort()).toEqual(['r5']);
      expect((await found("attributes.run_name LIKE 'r%' AND metrics.accuracy < 0.9")).sort()).toEqual(['r3', 'r4']);
    });

    it('orders (ORDER BY in the filter or orderBy) and pages by token', async () => {
      expect(await found('ORDER BY metrics.f1 DESC')).toEqual(['r4', 'r1', 'r3', 'r2', 'r5']);
      expect(await found("params.optimizer != 'rmsprop'", { orderBy: ['metrics.accuracy ASC'] })).toEqual(['r3', 'r2', 'r1', 'r5']);
      const seen: Array<string | null> = [];
      let pageToken: string | null = null;
      let pages = 0;
      do {
        const res: { status: number; body: Page<Run> } = await search({ experimentIds: [exp.id], filter: 'metrics.f1 > 0 ORDER BY metrics.f1 DESC', limit: 2, ...(pageToken ? { pageToken } : {}) });
        expect(res.status).toBe(200);
        seen.push(...res.body.items.map((r) => r.name));
        pageToken = res.body.nextCursor;
        pages++;
      } while (pageToken);
      expect({ pages, seen }).toEqual({ pages: 3, seen: ['r4', 'r1', 'r3', 'r2', 'r5'] });
      const first = await search({ experimentIds: [exp.id], filter: 'metrics.f1 > 0', limit: 2 });
      const reused = await search({ experimentIds: [exp.id], filter: 'metrics.f1 > 0.5', limit: 2, pageToken: first.body.nextCursor });
      expect((reused.body as unknown as ErrorBody).error.code).toBe('INVALID_CURSOR');
    });

    it('returns each run with its params, tags and latest metrics', async () => {
      const [r1] = (await search({ experimentIds: [exp.id], filter: "attributes.run_name = 'r1'" })).body.items;
      expect(r1).toMatchObject({ id: runs.r1?.id, status: 'FINISHED', params: { optimizer: 'adam' }, tags: { team: 'vision' }, metrics: [{ key: 'accuracy', value: 0.95 }, { key: 'f1', value: 0.91 }], userId: scientist.id });
      expect(r1?.durationMs).toEqual(expect.any(Number));
    });

    it('answers a malformed filter with a 400 that says where', async () => {
      const cases: Array<[string, number, string]> = [
        ['metrics.accuracy > ', 19, 'expected a value'],
        ["(params.optimizer = 'adam'", 26, 'expected ")"'],
        ["params.optimizer == 'adam'", 18, 'expected a value'],
        ['metrics.accuracy LIKE 0.9', 17, 'operator LIKE does not apply'],
        ['params.lr = 0.1', 12, 'quote it'],
      ];
      for (const [filter, position, text] of cases) {
        const res = await search({ experimentIds: [exp.id], filter });
        expect({ filter, status: res.status }).toEqual({ filter, status: 400 });
        const body = res.body as unknown as ErrorBody;
        expect(body.error).toMatchObject({ code: 'INVALID_FILTER', details: { field: 'filter', position } });
        expect(body.error.message).toContain(text);
        expect(body.error.message).toContain(`at position ${position}`);
      }
      const order = await search({ experimentIds: [exp.id], orderBy: ['metrics.f1 SIDEWAYS'] });
      expect((order.body as unknown as ErrorBody).error).toMatchObject({ code: 'INVALID_FILTER', details: { field: 'orderBy[0]', position: 11 } });
    });

    it('treats SQL injection in keys and values as data', async () => {
      for (const filter of [
        "params.optimizer = 'adam'' OR ''1''=''1'",
        "params.`optimizer' OR '1'='1` = 'adam'",
        "tags.team = 'x''); DROP TABLE experiments.runs; --'",
        'metrics."accuracy) OR (1=1" > 0',
        "attributes.status = 'FINISHED'' OR 1=1 --'",
      ]) {
        expect({ filter, names: await found(filter) }).toEqual({ filter, names: [] });
      }
      expect((await found("metrics.accuracy > 0 AND tags.team LIKE '%'")).length).toBe(5);
    });
  });

  it('compares runs side by side', async () => {
    const exp = await createExperiment();
    const [a, b] = [await createRun(exp.id, { name: 'a' }), await createRun(exp.id, { name: 'b' })];
    await logBatch(a.id, { metrics: [{ key: 'acc', value: 0.9 }], params: [{ key: 'lr', value: '0.1' }, { key: 'depth', value: '6' }], tags: [{ key: 'team', value: 'x' }] });
    await logBatch(b.id, { metrics: [{ key: 'acc', value: 0.8 }, { key: 'f1', value: 0.5 }], params: [{ key: 'lr', value: '0.1' }, { key: 'depth', value: '8' }] });
    const res = await request<{ runs: Array<{ id: string; name: string }>; params: unknown[]; metrics: unknown[]; tags: unknown[] }>(gw, 'GET', `/api/v1/runs/compare?runIds=${b.id},${a.id}`);
    expect(res.status).toBe(200);
    expect(res.body.runs.map((r) => r.name)).toEqual(['b', 'a']);
    expect(res.body.params).toEqual([{ key: 'depth', values: ['8', '6'], differs: true }, { key: 'lr', values: ['0.1', '0.1'], differs: false }]);
    expect(res.body.metrics).toEqual([{ key: 'acc', values: [0.8, 0.9], min: 0.8, max: 0.9 }, { key: 'f1', values: [0.5, null], min: 0.5, max: 0.5 }]);
    expect(res.body.tags).toEqual([{ key: 'team', values: [null, 'x'], differs: true }]);
    expect((await request<ErrorBody>(gw, 'GET', `/api/v1/runs/compare?runIds=${a.id},${randomUUID()}`)).body.error.code).toBe('RUN_NOT_FOUND');
    expect((await request(gw, 'GET', '/api/v1/runs/compare?runIds=nope')).status).toBe(400);
  });

  it('links datasets to runs as inputs, finds runs by dataset, and audits the link', async () => {
    const exp = await createExperiment();
    const run = await createRun(exp.id);
    const digest = createHash('sha256').update(randomUUID()).digest('hex');
    const body = { datasets: [{ name: 'churn-q3', digest, sourceUri: 's3://data/churn.parquet', schema: { age: 'int' }, rowCount: 1200, profile: { age: { mean: 41 } }, context: 'training' }, { name: 'churn-q3', digest, context: 'validation' }] };
    const linked = await request<Run>(as(scientist.token), 'POST', `/api/v1/runs/${run.id}/inputs`, { body });
    expect(linked.status).toBe(200);
    expect(linked.body.inputs.map((i) => [i.name, i.context, i.rowCount])).toEqual([['churn-q3', 'training', 1200], ['churn-q3', 'validation', 1200]]);
    expect(new Set(linked.body.inputs.map((i) => i.datasetId)).size).toBe(1);
    expect((await request(as(scientist.token), 'POST', `/api/v1/runs/${run.id}/inputs`, { body })).status).toBe(200);
    expect((await search({ experimentIds: [exp.id], filter: `datasets.digest = '${digest}' AND datasets.context = 'training'` })).body.items.map((r) => r.id)).toEqual([run.id]);
    expect((await request<ErrorBody>(gw, 'POST', `/api/v1/runs/${run.id}/inputs`, { body: { datasets: [{ name: 'x', digest: 'not a digest!', context: 'training' }] } })).status).toBe(400);
    const events = await waitFor('one inputs event', async () => {
      const e = await auditEvents(gw, { aggregateId: run.id, action: 'run.inputs_logged' });
      return e.length === 1 ? e : null;
    });
    expect(events[0]?.payload).toMatchObject({ datasets: [{ name: 'churn-q3', digest, context: 'training' }, { name: 'churn-q3', digest, context: 'validation' }] });
  });

  it('runs: status changes end the run; writes to unknown or deleted runs are 404/409; every write is audited', async () => {
    const run = await createRun((await createExperiment()).id, { name: 'lifecycle' });
    const finished = await request<Run>(gw, 'PATCH', `/api/v1/runs/${run.id}`, { body: { status: 'KILLED' } });
    expect(finished.body).toMatchObject({ status: 'KILLED', endTime: expect.any(String), durationMs: expect.any(Number) });
    expect((await request(as(scientist.token), 'POST', `/api/v1/runs/${run.id}/tags`, { body: { key: 'note', value: 'x' } })).status).toBe(201);
    expect((await request(gw, 'DELETE', `/api/v1/runs/${run.id}/tags/note`)).status).toBe(204);
    expect((await request<ErrorBody>(gw, 'DELETE', `/api/v1/runs/${run.id}/tags/note`)).body.error.code).toBe('TAG_NOT_FOUND');
    await request(gw, 'DELETE', `/api/v1/runs/${run.id}`);
    expect((await request<ErrorBody>(gw, 'POST', `/api/v1/runs/${run.id}/metrics`, { body: { key: 'a', value: 1 } })).body.error.code).toBe('RUN_DELETED');
    await request(gw, 'POST', `/api/v1/runs/${run.id}/restore`);
    expect((await request<ErrorBody>(gw, 'POST', `/api/v1/runs/${randomUUID()}/metrics`, { body: { key: 'a', value: 1 } })).body.error.code).toBe('RUN_NOT_FOUND');
    expect((await request<ErrorBody>(gw, 'GET', '/api/v1/runs/not-a-uuid')).body.error.code).toBe('RUN_NOT_FOUND');
    const events = await waitFor('six run events', async () => {
      const e = await auditEvents(gw, { aggregateId: run.id });
      return e.length === 6 ? e : null;
    });
    expect(events.map((e) => e.action)).toEqual(['run.created', 'run.updated', 'run.data_logged', 'run.tag_deleted', 'run.deleted', 'run.restored']);
    expect(events[1]).toMatchObject({ payload: { status: 'KILLED', changed: ['status', 'endTime'] }, before: { status: 'RUNNING', endTime: null } });
  });

  it('a create retried with the same Idempotency-Key through the gateway makes one run, audited once, and answers the first answer again', async () => {
    const experimentId = (await createExperiment()).id;
    const key = `retry-${randomUUID()}`;
    const send = () => request<Run>(as(scientist.token), 'POST', '/api/v1/runs', { body: { experimentId, name: 'once' }, headers: { 'idempotency-key': key } });
    const first = await send();
    const retry = await send();
    expect(first.status).toBe(201);
    expect({ status: retry.status, body: retry.body, replayed: retry.headers.get('idempotent-replayed') }).toEqual({ status: 201, body: first.body, replayed: 'true' });
    const runs = await request<{ items: Run[] }>(gw, 'POST', '/api/v1/runs/search', { body: { experimentIds: [experimentId] } });
    expect(runs.body.items.map((r) => r.id)).toEqual([first.body.id]);
    // Another caller's identical key is its own request.
    expect((await request<Run>(gw, 'POST', '/api/v1/runs', { body: { experimentId, name: 'once' }, headers: { 'idempotency-key': key } })).body.id).not.toBe(first.body.id);
    const created = await waitFor('the run.created event', async () => {
      const e = await auditEvents(gw, { aggregateId: first.body.id });
      return e.length > 0 ? e : null;
    });
    expect(created.map((e) => e.action)).toEqual(['run.created']);
  });
});
