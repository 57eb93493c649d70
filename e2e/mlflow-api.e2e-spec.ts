import { randomUUID } from 'node:crypto';
import { TestStack, waitFor } from '@shipyard/testing';
import { auditEvents, mlflowCall, request, Target } from './http';

/**
 * MLflow REST API contract, written from MLflow's REST reference: the calls a real MLflow client makes
 * (MlflowClient over REST with MLFLOW_TRACKING_TOKEN as a bearer token), through the gateway, asserting
 * MLflow's JSON exactly: snake_case, ids as strings, int64 times and steps as JSON numbers, model
 * versions as strings, empty repeated fields left out, errors as {"error_code", "message"}.
 */
interface MlflowRun {
  info: Record<string, unknown> & { run_id: string; start_time: number };
  data: { metrics?: Array<{ key: string; value: number; timestamp: number; step: number }>; params?: Array<{ key: string; value: string }>; tags?: Array<{ key: string; value: string }> };
  inputs: Record<string, unknown>;
}

describe('MLflow-compatible REST API through the gateway', () => {
  let stack: TestStack;
  let mlflow: Target;
  const api = '/api/2.0/mlflow';
  const unique = (what: string) => `${what}-${randomUUID().slice(0, 8)}`;
  const t0 = Date.UTC(2026, 11, 1, 12, 0, 0);

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['audit', 'registry', 'experiments', 'api-gateway'] });
    const admin = await stack.adminToken();
    const key = await request<{ key: string }>(stack.url('api-gateway'), 'POST', '/api/v1/api-keys', {
      token: admin,
      body: { name: 'mlflow-client', scopes: ['experiments:read', 'experiments:write', 'models:read', 'models:write'] },
    });
    expect(key.status).toBe(201);
    // What MLFLOW_TRACKING_TOKEN=<key> makes the MLflow client send: Authorization: Bearer <key>.
    mlflow = { url: stack.url('api-gateway'), token: key.body.key };
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, expected = 200): Promise<T> => mlflowCall<T>(mlflow, api, method, path, body, expected);

  it('runs the session an MLflow client performs, in MLflow shapes', async () => {
    // create experiment → {experiment_id} as a string
    const name = unique('mlflow-exp');
    const created = await call<{ experiment_id: string }>('POST', 'experiments/create', { name, tags: [{ key: 'team', value: 'growth' }] });
    expect(Object.keys(created)).toEqual(['experiment_id']);
    expect(typeof created.experiment_id).toBe('string');
    const experimentId = created.experiment_id;

    const byName = await call<{ experiment: Record<string, unknown> }>('GET', `experiments/get-by-name?experiment_name=${encodeURIComponent(name)}`);
    expect(byName).toEqual({
      experiment: {
        experiment_id: experimentId,
        name,
        artifact_location: `mlflow-artifacts:/experiments/${experimentId}`,
        lifecycle_stage: 'active',
        creation_time: expect.any(Number),
        last_update_time: expect.any(Number),
        tags: [{ key: 'team', value: 'growth' }],
      },
    });
    expect(await call('GET', `experiments/get?experiment_id=${experimentId}`)).toEqual(byName);

    // create runs: start_time in epoch ms as a number; the name is also the mlflow.runName tag
    const runA = (await call<{ run: MlflowRun }>('POST', 'runs/create', { experiment_id: experimentId, start_time: t0, run_name: 'tree-a', tags: [{ key: 'mlflow.user', value: 'alice' }] })).run;
    expect(runA).toEqual({
      info: {
        run_id: expect.any(String),
        run_uuid: runA.info.run_id,
        run_name: 'tree-a',
        experiment_id: experimentId,
        user_id: 'alice',
        status: 'RUNNING',
        start_time: t0,
        artifact_uri: `mlflow-artifacts:/experiments/${experimentId}/${runA.info.run_id}/artifacts`,
        lifecycle_stage: 'active',
      },
      data: { tags: [{ key: 'mlflow.runName', value: 'tree-a' }, { key: 'mlflow.user', value: 'alice' }] },
      inputs: {},
    });
    const runB = (await call<{ run: MlflowRun }>('POST', 'runs/create', { experiment_id: experimentId, start_time: t0 + 1000, run_name: 'tree-b' })).run;
    const runC = (await call<{ run: MlflowRun }>('POST', 'runs/create', { experiment_id: experimentId, start_time: t0 + 2000, run_name: 'linear' })).run;

    // log-batch, as mlflow.log_metrics/log_params/set_tags flush them; answers {}
    const batch = (rmse: number[], model: string) => ({
      metrics: rmse.map((value, step) => ({ key: 'rmse', value, timestamp: t0 + step * 10, step })),
      params: [{ key: 'model', value: model }, { key: 'depth', value: '6' }],
      tags: [{ key: 'stage', value: 'dev' }],
    });
    expect(await call('POST', 'runs/log-batch', { run_id: runA.info.run_id, ...batch([0.9, 0.7, 0.5], 'tree') })).toEqual({});
    expect(await call('POST', 'runs/log-batch', { run_id: runB.info.run_id, ...batch([0.8, 0.4], 'tree') })).toEqual({});
    expect(await call('POST', 'runs/log-batch', { run_id: runC.info.run_id, ...batch([0.95, 0.3], 'linear') })).toEqual({});
    expect(await call('POST', 'runs/log-metric', { run_id: runA.info.run_id, key: 'r2', value: 0.81, timestamp: t0 + 50, step: 2 })).toEqual({});
    expect(await call('POST', 'runs/log-parameter', { run_id: runA.info.run_id, key: 'lr', value: '0.1' })).toEqual({});

    // set tag, then delete one
    expect(await call('POST', 'runs/set-tag', { run_id: runA.info.run_id, key: 'candidate', value: 'yes' })).toEqual({});
    expect(await call('POST', 'runs/set-tag', { run_id: runA.info.run_id, key: 'scratch', value: 'x' })).toEqual({});
    expect(await call('POST', 'runs/delete-tag', { run_id: runA.info.run_id, key: 'scratch' })).toEqual({});
    // mlflow.log_input: the client's own short digest (not a sha256) is accepted
    expect(await call('POST', 'runs/log-inputs', { run_id: runA.info.run_id, datasets: [{ dataset: { name: 'churn-train', digest: '8d0e5f3a', source_type: 'local', source: '{"uri": "/data/train.csv"}' }, tags: [{ key: 'mlflow.data.context', value: 'training' }] }] })).toEqual({});

    // search with a filter (MLflow syntax: lower-case "and") and order_by, one run per page
    const query = { experiment_ids: [experimentId], filter: "metrics.rmse < 0.6 and params.model = 'tree'", order_by: ['metrics.rmse ASC'], max_results: 1 };
    const page1 = await call<{ runs: MlflowRun[]; next_page_token?: string }>('POST', 'runs/search', query);
    expect(page1.runs.map((r) => r.info.run_name)).toEqual(['tree-b']);
    expect(typeof page1.next_page_token).toBe('string');
    const page2 = await call<{ runs: MlflowRun[]; next_page_token?: string }>('POST', 'runs/search', { ...query, page_token: page1.next_page_token });
    expect(page2.runs.map((r) => r.info.run_name)).toEqual(['tree-a']);
    expect(page2.next_page_token).toBeUndefined();
    const found = page2.runs[0] as MlflowRun;
    expect(found.data).toEqual({
      metrics: [{ key: 'r2', value: 0.81, timestamp: t0 + 50, step: 2 }, { key: 'rmse', value: 0.5, timestamp: t0 + 20, step: 2 }],
      params: [{ key: 'depth', value: '6' }, { key: 'lr', value: '0.1' }, { key: 'model', value: 'tree' }],
      tags: [{ key: 'candidate', value: 'yes' }, { key: 'mlflow.runName', value: 'tree-a' }, { key: 'mlflow.user', value: 'alice' }, { key: 'stage', value: 'dev' }],
    });
    const desc = await call<{ runs: MlflowRun[] }>('POST', 'runs/search', { experiment_ids: [experimentId], order_by: ['metrics.rmse DESC'] });
    expect(desc.runs.map((r) => r.info.run_name)).toEqual(['tree-a', 'tree-b', 'linear']);

    // metric history: every point, in step order, int64s as numbers
    expect(await call('GET', `metrics/get-history?run_id=${runA.info.run_id}&metric_key=rmse`)).toEqual({
      metrics: [
        { key: 'rmse', value: 0.9, timestamp: t0, step: 0 },
        { key: 'rmse', value: 0.7, timestamp: t0 + 10, step: 1 },
        { key: 'rmse', value: 0.5, timestamp: t0 + 20, step: 2 },
      ],
    });

    // update run to FINISHED → {run_info}
    const endTime = t0 + 60_000;
    const updated = await call<{ run_info: Record<string, unknown> }>('POST', 'runs/update', { run_id: runA.info.run_id, status: 'FINISHED', end_time: endTime });
    expect(updated).toEqual({ run_info: { ...runA.info, status: 'FINISHED', end_time: endTime } });
    const got = await call<{ run: MlflowRun }>('GET', `runs/get?run_id=${runA.info.run_id}`);
    expect(got.run.info).toEqual(updated.run_info);

    // register model, create version from the run's artifacts (READY at once), alias it, get by alias
    const modelName = unique('mlflow-model');
    const registered = await call<{ registered_model: Record<string, unknown> }>('POST', 'registered-models/create', { name: modelName, description: 'regression', tags: [{ key: 'task', value: 'regression' }] });
    expect(registered).toEqual({
      registered_model: { name: modelName, description: 'regression', creation_timestamp: expect.any(Number), last_updated_timestamp: expect.any(Number), tags: [{ key: 'task', value: 'regression' }] },
    });
    const source = `runs:/${runA.info.run_id}/model`;
    const version = await call<{ model_version: Record<string, unknown> }>('POST', 'model-versions/create', { name: modelName, source, run_id: runA.info.run_id });
    expect(version).toEqual({
      model_version: {
        name: modelName,
        version: '1',
        creation_timestamp: expect.any(Number),
        last_updated_timestamp: expect.any(Number),
        user_id: expect.any(String),
        current_stage: 'None',
        source,
        run_id: runA.info.run_id,
        status: 'READY',
      },
    });
    expect(await call('POST', 'registered-models/alias', { name: modelName, alias: 'champion', version: '1' })).toEqual({});
    const byAlias = await call<{ model_version: Record<string, unknown> }>('GET', `registered-models/alias?name=${modelName}&alias=champion`);
    expect(byAlias).toEqual({ model_version: { ...version.model_version, aliases: ['champion'] } });
    expect(await call('GET', `registered-models/get?name=${modelName}`)).toEqual({ registered_model: { ...registered.registered_model, aliases: [{ alias: 'champion', version: '1' }] } });
    expect(await call('GET', `model-versions/get?name=${modelName}&version=1`)).toEqual(byAlias);
    const models = await call<{ registered_models: Array<Record<string, unknown>> }>('GET', `registered-models/search?filter=${encodeURIComponent(`name LIKE '${modelName}%'`)}`);
    expect(models.registered_models).toEqual([{ ...registered.registered_model, aliases: [{ alias: 'champion', version: '1' }] }]);
    const experiments = await call<{ experiments: Array<Record<string, unknown>> }>('POST', 'experiments/search', { filter: `name = '${name}'`, max_results: 10 });
    expect(experiments.experiments).toEqual([{ ...byName.experiment, last_update_time: expect.any(Number) }]);
    expect(await call('GET', `model-versions/search?filter=${encodeURIComponent(`name = '${modelName}'`)}`)).toEqual({ model_versions: [byAlias.model_version] });

    // the UI's prefix reaches the same handlers
    const ajax = await request<{ run: MlflowRun }>(mlflow, 'GET', `/ajax-api/2.0/mlflow/runs/get?run_id=${runA.info.run_id}`);
    expect(ajax).toMatchObject({ status: 200, body: got });
  });

  it('stores, lists and serves run artifacts through the mlflow-artifacts proxy onto S3', async () => {
    const experimentId = (await call<{ experiment_id: string }>('POST', 'experiments/create', { name: unique('artifacts') })).experiment_id;
    const run = (await call<{ run: MlflowRun }>('POST', 'runs/create', { experiment_id: experimentId })).run;
    const artifactUri = String(run.info.artifact_uri);
    expect(artifactUri).toBe(`mlflow-artifacts:/experiments/${experimentId}/${run.info.run_id}/artifacts`);
    // What the MLflow client does with a mlflow-artifacts:/ URI: <tracking uri>/api/2.0/mlflow-artifacts/artifacts/<path>.
    const base = `${stack.url('api-gateway')}/api/2.0/mlflow-artifacts/artifacts/${artifactUri.slice('mlflow-artifacts:/'.length)}`;
    const auth = { authorization: `Bearer ${typeof mlflow === 'string' ? '' : mlflow.token}` };
    const weights = Buffer.from(Array.from({ length: 70_000 }, (_, i) => (i * 31) % 256));
    const put = async (path: string, body: Buffer | string, type: string) => fetch(`${base}/${path}`, { method: 'PUT', headers: { ...auth, 'content-type': type }, body });
    expect((await put('model/model.bin', weights, 'application/octet-stream')).status).toBe(200);
    // A JSON file is uploaded as a file, not parsed: MLflow sends each file with its guessed content type.
    expect((await put('model/MLmodel.json', '{"flavors": {}}', 'application/json')).status).toBe(200);
    expect((await put('metrics.txt', 'rmse 0.5\n', 'text/plain')).status).toBe(200);

    const root = artifactUri.slice('mlflow-artifacts:/'.length);
    const list = (path: string) => request(mlflow, 'GET', `/api/2.0/mlflow-artifacts/artifacts?path=${encodeURIComponent(path)}`);
    expect(await list(root)).toMatchObject({ status: 200, body: { files: [{ path: 'metrics.txt', is_dir: false, file_size: 9 }, { path: 'model', is_dir: true }] } });
    expect((await list(`${root}/model`)).body).toEqual({ files: [{ path: 'MLmodel.json', is_dir: false, file_size: 15 }, { path: 'model.bin', is_dir: false, file_size: weights.length }] });
    expect((await list(`${root}/nothing-here`)).body).toEqual({});

    const got = await fetch(`${base}/model/model.bin`, { headers: auth });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(weights)).toBe(true);
    expect(await (await fetch(`${base}/model/MLmodel.json`, { headers: auth })).text()).toBe('{"flavors": {}}');

    const missing = await request(mlflow, 'GET', `/api/2.0/mlflow-artifacts/artifacts/${root}/absent.txt`);
    expect({ status: missing.status, body: missing.body }).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.any(String) } });
    // Only run artifacts: the registry's objects in the same bucket are out of reach.
    const outside = await request(mlflow, 'GET', '/api/2.0/mlflow-artifacts/artifacts/models/anything');
    expect({ status: outside.status, body: outside.body }).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.any(String) } });
    const anonymous = await fetch(`${base}/model/model.bin`);
    expect(anonymous.status).toBe(401);
  });

  it('writes through the same use cases as the native API: the usual events reach audit, attributed to the API key', async () => {
    const experimentId = (await call<{ experiment_id: string }>('POST', 'experiments/create', { name: unique('audited') })).experiment_id;
    const run = (await call<{ run: MlflowRun }>('POST', 'runs/create', { experiment_id: experimentId })).run;
    await call('POST', 'runs/log-batch', { run_id: run.info.run_id, metrics: [{ key: 'loss', value: 1, timestamp: t0, step: 0 }], params: [{ key: 'p', value: '1' }] });
    const modelName = unique('audited-model');
    await call('POST', 'registered-models/create', { name: modelName });
    await call('POST', 'model-versions/create', { name: modelName, source: 's3://elsewhere/model', run_id: run.info.run_id });
    const admin: Target = { url: stack.url('api-gateway'), token: await stack.adminToken() };
    const logged = await waitFor('run.data_logged in audit', async () => {
      const e = await auditEvents(admin, { aggregateId: run.info.run_id, action: 'run.data_logged' });
      return e.length === 1 ? e : null;
    });
    expect(logged[0]).toMatchObject({ actor: { type: 'api_key' }, payload: { id: run.info.run_id, experimentId, metrics: 1, params: 1, tags: 0 } });
    const created = await waitFor('model_version.created in audit', async () => {
      const e = await auditEvents(admin, { subject: 'shipyard.registry.model_version.created.v1' });
      return e.find((x) => x.payload.modelName === modelName) ?? null;
    });
    expect(created).toMatchObject({ actor: { type: 'api_key' }, payload: { version: 1, sourceRunId: run.info.run_id }, after: { status: 'READY' } });
  });

  it('answers errors in MLflow\'s format and statuses', async () => {
    const missingExperiment = await request(mlflow, 'GET', `${api}/experiments/get?experiment_id=${randomUUID()}`);
    expect({ status: missingExperiment.status, body: missingExperiment.body }).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringContaining('was not found') } });

    const missingRun = await request(mlflow, 'GET', `${api}/runs/get?run_id=${randomUUID()}`);
    expect({ status: missingRun.status, body: missingRun.body }).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.any(String) } });

    const noModel = await request(mlflow, 'GET', `${api}/registered-models/alias?name=${unique('nope')}&alias=champion`);
    expect({ status: noModel.status, body: noModel.body }).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.any(String) } });

    // malformed: a required field missing, a wrong type, a body that is not JSON
    const noExperimentId = await request(mlflow, 'POST', `${api}/runs/create`, { body: { run_name: 'x' } });
    expect({ status: noExperimentId.status, body: noExperimentId.body }).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'experiment_id'") } });
    const name = unique('dup');
    await call('POST', 'experiments/create', { name });
    const wrongType = await request(mlflow, 'POST', `${api}/runs/search`, { body: { experiment_ids: [randomUUID()], max_results: 'many' } });
    expect({ status: wrongType.status, body: wrongType.body }).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringContaining("'max_results'") } });
    const badFilter = await request(mlflow, 'POST', `${api}/runs/search`, { body: { experiment_ids: [randomUUID()], filter: 'metrics.rmse <' } });
    expect({ status: badFilter.status, body: badFilter.body }).toEqual({ status: 400, body: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.any(String) } });
    const notJson = await request(mlflow, 'POST', `${api}/experiments/create`, { raw: '{"name": ' });
    expect({ status: notJson.status, body: notJson.body }).toEqual({ status: 400, body: { error_code: 'MALFORMED_REQUEST', message: expect.any(String) } });

    // an existing name: MLflow's RESOURCE_ALREADY_EXISTS, a 400
    const duplicate = await request(mlflow, 'POST', `${api}/experiments/create`, { body: { name } });
    expect({ status: duplicate.status, body: duplicate.body }).toEqual({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: expect.any(String) } });

    // credentials are checked by the gateway, and refused in MLflow's shape too
    const anonymous = await request(mlflow, 'GET', `${api}/experiments/get?experiment_id=${randomUUID()}`, { token: null });
    expect({ status: anonymous.status, body: anonymous.body }).toEqual({ status: 401, body: { error_code: 'UNAUTHENTICATED', message: expect.any(String) } });
  });
});
