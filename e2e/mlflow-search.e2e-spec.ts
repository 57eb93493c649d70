import { randomUUID } from 'node:crypto';
import { TestStack, waitFor } from '@shipyard/testing';
import { auditEvents, mlflowCall, request, Target } from './http';

/**
 * MLflow REST contract for the search grammars (SearchExperiments, SearchRegisteredModels,
 * SearchModelVersions) and the registry's tag, rename, latest-versions and delete endpoints, written
 * from MLflow's REST reference: filters of comparisons joined by AND, order_by `<key> [ASC|DESC]`,
 * max_results and page_token, empty lists left out, malformed input → 400 INVALID_PARAMETER_VALUE.
 */
type Experiment = { experiment_id: string; name: string; creation_time: number; last_update_time: number; tags?: Array<{ key: string; value: string }> };
type Model = { name: string; creation_timestamp: number; last_updated_timestamp: number; tags?: Array<{ key: string; value: string }> };
type Version = { name: string; version: string; run_id?: string; source?: string; tags?: Array<{ key: string; value: string }> };

describe('MLflow search grammars and registry endpoints through the gateway', () => {
  let stack: TestStack;
  let mlflow: Target;
  let keyId: string;
  const api = '/api/2.0/mlflow';
  const prefix = `srch${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['audit', 'registry', 'experiments', 'api-gateway'] });
    const admin = await stack.adminToken();
    const key = await request<{ key: string; id: string }>(stack.url('api-gateway'), 'POST', '/api/v1/api-keys', {
      token: admin,
      body: { name: 'mlflow-search', scopes: ['experiments:read', 'experiments:write', 'models:read', 'models:write'] },
    });
    expect(key.status).toBe(201);
    mlflow = { url: stack.url('api-gateway'), token: key.body.key };
    keyId = key.body.id;
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const call = <T = Record<string, unknown>>(method: string, path: string, body?: unknown, expected = 200): Promise<T> => mlflowCall<T>(mlflow, api, method, path, body, expected);

  async function invalid(method: string, path: string, body?: unknown, message: string | RegExp = /./) {
    const res = await request(mlflow, method, `${api}/${path}`, body === undefined ? {} : { body });
    expect({ path, body, status: res.status, res: res.body }).toEqual({ path, body, status: 400, res: { error_code: 'INVALID_PARAMETER_VALUE', message: expect.stringMatching(message) } });
  }

  const q = (params: Record<string, string | number>) => Object.entries(params).map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`).join('&');

  describe('experiments/search', () => {
    const names = { alpha: `${prefix}-exp-alpha`, beta: `${prefix}-exp-beta`, gamma: `${prefix}-exp-gamma` };
    const like = `${prefix}-exp-%`;
    const ids: Record<string, string> = {};
    let alpha: Experiment;

    beforeAll(async () => {
      ids.alpha = (await call<{ experiment_id: string }>('POST', 'experiments/create', { name: names.alpha, tags: [{ key: 'team', value: 'growth' }, { key: 'my key', value: 'x' }] })).experiment_id;
      ids.beta = (await call<{ experiment_id: string }>('POST', 'experiments/create', { name: names.beta, tags: [{ key: 'team', value: 'core' }] })).experiment_id;
      ids.gamma = (await call<{ experiment_id: string }>('POST', 'experiments/create', { name: names.gamma })).experiment_id;
      alpha = (await call<{ experiment: Experiment }>('GET', `experiments/get?experiment_id=${ids.alpha}`)).experiment;
    });

    const search = async (body: Record<string, unknown>) => (await call<{ experiments?: Experiment[]; next_page_token?: string }>('POST', 'experiments/search', body));
    const found = async (body: Record<string, unknown>) => ((await search(body)).experiments ?? []).map((e) => e.name);

    it('filters on name with =, !=, LIKE and ILIKE, newest first by default', async () => {
      expect(await found({ filter: `name LIKE '${like}'` })).toEqual([names.gamma, names.beta, names.alpha]);
      expect(await found({ filter: `name = '${names.beta}'` })).toEqual([names.beta]);
      expect(await found({ filter: `attribute.name != '${names.beta}' and name LIKE '${like}'` })).toEqual([names.gamma, names.alpha]);
      expect(await found({ filter: `name ILIKE '${names.gamma.toUpperCase()}'` })).toEqual([names.gamma]);
      // LIKE is case-sensitive; no match leaves `experiments` out entirely
      expect(await search({ filter: `name LIKE '${names.gamma.toUpperCase()}'` })).toEqual({});
    });

    it('filters on tags (only experiments having the tag match, != included) and quoted keys', async () => {
      expect(await found({ filter: `name LIKE '${like}' AND tags.team = 'growth'` })).toEqual([names.alpha]);
      expect(await found({ filter: `name LIKE '${like}' AND tags.team != 'growth'` })).toEqual([names.beta]);
      expect(await found({ filter: `name LIKE '${like}' AND tags.team ILIKE 'CO%'` })).toEqual([names.beta]);
      expect(await found({ filter: `name LIKE '${like}' AND tags.\`my key\` = 'x'` })).toEqual([names.alpha]);
    });

    it('compares creation_time and last_update_time as epoch milliseconds', async () => {
      expect(await found({ filter: `name LIKE '${like}' AND creation_time = ${alpha.creation_time}` })).toEqual([names.alpha]);
      expect(await found({ filter: `name LIKE '${like}' AND creation_time > ${alpha.creation_time}` })).toEqual([names.gamma, names.beta]);
      expect(await found({ filter: `name LIKE '${like}' AND creation_time <= ${alpha.creation_time} AND last_update_time >= ${alpha.last_update_time}` })).toEqual([names.alpha]);
    });

    it('orders by name, creation_time and experiment_id, and pages with MLflow page tokens', async () => {
      expect(await found({ filter: `name LIKE '${like}'`, order_by: ['name DESC'] })).toEqual([names.gamma, names.beta, names.alpha]);
      expect(await found({ filter: `name LIKE '${like}'`, order_by: ['attribute.creation_time ASC'] })).toEqual([names.alpha, names.beta, names.gamma]);
      const page1 = await search({ filter: `name LIKE '${like}'`, order_by: ['name'], max_results: 2 });
      expect(page1.experiments?.map((e) => e.name)).toEqual([names.alpha, names.beta]);
      expect(typeof page1.next_page_token).toBe('string');
      const page2 = await search({ filter: `name LIKE '${like}'`, order_by: ['name'], max_results: 2, page_token: page1.next_page_token });
      expect(page2).toEqual({ experiments: [expect.objectContaining({ name: names.gamma, experiment_id: ids.gamma })] });
      // the GET form reads the same parameters from the query string
      const viaGet = await call<{ experiments: Experiment[] }>('GET', `experiments/search?${q({ filter: `name LIKE '${like}'`, order_by: 'name ASC', max_results: 5 })}`);
      expect(viaGet.experiments.map((e) => e.name)).toEqual([names.alpha, names.beta, names.gamma]);
    });

    it('honours view_type', async () => {
      const name = `${prefix}-exp-zdeleted`;
      const id = (await call<{ experiment_id: string }>('POST', 'experiments/create', { name })).experiment_id;
      await call('POST', 'experiments/delete', { experiment_id: id });
      expect(await found({ filter: `name LIKE '${like}'`, order_by: ['name'] })).toEqual([names.alpha, names.beta, names.gamma]);
      expect(await found({ filter: `name LIKE '${like}'`, view_type: 'DELETED_ONLY' })).toEqual([name]);
      expect(await found({ filter: `name LIKE '${like}'`, order_by: ['name'], view_type: 'ALL' })).toEqual([names.alpha, names.beta, names.gamma, name]);
    });

    it('refuses a malformed filter, order_by or page token with 400 INVALID_PARAMETER_VALUE', async () => {
      await invalid('POST', 'experiments/search', { filter: 'name =' }, /Expected a quoted string value/);
      await invalid('POST', 'experiments/search', { filter: "name = 'a' OR name = 'b'" }, /AND/);
      await invalid('POST', 'experiments/search', { filter: 'metrics.rmse > 1' }, /Invalid entity type 'metrics'/);
      await invalid('POST', 'experiments/search', { filter: "creation_time > 'yesterday'" }, /numeric value/);
      await invalid('POST', 'experiments/search', { filter: "owner = 'me'" }, /Invalid attribute key 'owner'/);
      await invalid('POST', 'experiments/search', { order_by: ['tags.team'] }, /Invalid entity type/);
      await invalid('POST', 'experiments/search', { order_by: ['name UP'] }, /ASC or DESC/);
      await invalid('POST', 'experiments/search', { page_token: 'garbage!' }, /page token/);
      await invalid('GET', `experiments/search?${q({ filter: "name LIKE 'x" })}`, undefined, /unterminated/);
    });
  });

  describe('registered-models/search', () => {
    const names = { alpha: `${prefix}-rm-alpha`, beta: `${prefix}-rm-beta`, gamma: `${prefix}-rm-gamma` };
    const like = `${prefix}-rm-%`;

    beforeAll(async () => {
      await call('POST', 'registered-models/create', { name: names.alpha, tags: [{ key: 'task', value: 'classification' }] });
      await call('POST', 'registered-models/create', { name: names.beta, tags: [{ key: 'task', value: 'regression' }] });
      await call('POST', 'registered-models/create', { name: names.gamma });
    });

    const search = async (params: Record<string, string | number>) => call<{ registered_models?: Model[]; next_page_token?: string }>('GET', `registered-models/search?${q(params)}`);
    const found = async (params: Record<string, string | number>) => ((await search(params)).registered_models ?? []).map((m) => m.name);

    it('filters on name and tags, name ASC by default', async () => {
      expect(await found({ filter: `name LIKE '${like}'` })).toEqual([names.alpha, names.beta, names.gamma]);
      expect(await found({ filter: `name ILIKE '${names.beta.toUpperCase()}'` })).toEqual([names.beta]);
      expect(await found({ filter: `name = '${names.beta}'` })).toEqual([names.beta]);
      expect(await found({ filter: `name != '${names.beta}' AND name LIKE '${like}'` })).toEqual([names.alpha, names.gamma]);
      expect(await found({ filter: `name LIKE '${like}' and tags.task = 'regression'` })).toEqual([names.beta]);
      expect(await found({ filter: `name LIKE '${like}' and tags.task LIKE '%class%'` })).toEqual([names.alpha]);
      expect(await found({ filter: `name LIKE '${like}' and tags.task != 'regression'` })).toEqual([names.alpha]);
      expect(await search({ filter: `name = '${prefix}-rm-none'` })).toEqual({});
    });

    it('orders by name, creation_timestamp and last_updated_timestamp and pages', async () => {
      expect(await found({ filter: `name LIKE '${like}'`, order_by: 'name DESC' })).toEqual([names.gamma, names.beta, names.alpha]);
      expect(await found({ filter: `name LIKE '${like}'`, order_by: 'creation_timestamp DESC' })).toEqual([names.gamma, names.beta, names.alpha]);
      // a tag set through MLflow touches the model: it becomes the most recently updated
      expect(await call('POST', 'registered-models/set-tag', { name: names.alpha, key: 'owner', value: 'team-a' })).toEqual({});
      expect(await found({ filter: `name LIKE '${like}'`, order_by: 'last_updated_timestamp ASC' })).toEqual([names.beta, names.gamma, names.alpha]);
      expect(await found({ filter: `name LIKE '${like}'`, order_by: 'timestamp DESC' })).toEqual([names.alpha, names.gamma, names.beta]);
      const page1 = await search({ filter: `name LIKE '${like}'`, max_results: 2 });
      expect(page1.registered_models?.map((m) => m.name)).toEqual([names.alpha, names.beta]);
      const page2 = await search({ filter: `name LIKE '${like}'`, max_results: 2, page_token: page1.next_page_token as string });
      expect(page2.registered_models?.map((m) => m.name)).toEqual([names.gamma]);
      expect(page2.next_page_token).toBeUndefined();
    });

    it('refuses malformed filters and order_by with 400 INVALID_PARAMETER_VALUE', async () => {
      await invalid('GET', `registered-models/search?${q({ filter: 'creation_timestamp > 1' })}`, undefined, /Invalid attribute key 'creation_timestamp'/);
      await invalid('GET', `registered-models/search?${q({ filter: "name = 'a' OR name = 'b'" })}`, undefined, /AND/);
      await invalid('GET', `registered-models/search?${q({ filter: "name > 'a'" })}`, undefined, /Invalid comparator/);
      await invalid('GET', `registered-models/search?${q({ order_by: 'owner ASC' })}`, undefined, /Invalid attribute key 'owner'/);
      await invalid('GET', `registered-models/search?${q({ max_results: 1001 })}`, undefined, /max_results/);
    });
  });

  describe('model-versions/search and the registry endpoints', () => {
    const m1 = `${prefix}-mv-one`;
    const m2 = `${prefix}-mv-two`;
    const like = `${prefix}-mv-%`;
    let run1: string;
    let run2: string;

    beforeAll(async () => {
      const experimentId = (await call<{ experiment_id: string }>('POST', 'experiments/create', { name: `${prefix}-mv-runs` })).experiment_id;
      run1 = (await call<{ run: { info: { run_id: string } } }>('POST', 'runs/create', { experiment_id: experimentId })).run.info.run_id;
      run2 = (await call<{ run: { info: { run_id: string } } }>('POST', 'runs/create', { experiment_id: experimentId })).run.info.run_id;
      await call('POST', 'registered-models/create', { name: m1 });
      await call('POST', 'registered-models/create', { name: m2 });
      await call('POST', 'model-versions/create', { name: m1, source: 's3://bucket/one/1', run_id: run1 });
      await call('POST', 'model-versions/create', { name: m1, source: `runs:/${run2}/model`, run_id: run2 });
      await call('POST', 'model-versions/create', { name: m2, source: 's3://bucket/two/1', run_id: run1 });
    });

    const search = async (params: Record<string, string | number>) => call<{ model_versions?: Version[]; next_page_token?: string }>('GET', `model-versions/search?${q(params)}`);
    const found = async (params: Record<string, string | number>) => ((await search(params)).model_versions ?? []).map((v) => `${v.name === m1 ? 'one' : 'two'}/${v.version}`);

    it('filters on name, version_number, run_id (also IN), source_path and tags', async () => {
      expect(await found({ filter: `name = '${m1}'` })).toEqual(['one/2', 'one/1']);
      expect(await found({ filter: `name = '${m1}' AND version_number > 1` })).toEqual(['one/2']);
      expect(await found({ filter: `run_id = '${run1}'` })).toEqual(['two/1', 'one/1']);
      expect(await found({ filter: `run_id IN ('${run1}', '${run2}') AND name = '${m1}'`, order_by: 'version_number ASC' })).toEqual(['one/1', 'one/2']);
      expect(await found({ filter: `name LIKE '${like}' AND source_path LIKE 's3://bucket/%'`, order_by: 'name' })).toEqual(['one/1', 'two/1']);
      expect(await found({ filter: `name ILIKE '${m2.toUpperCase()}'` })).toEqual(['two/1']);
      expect(await call('POST', 'model-versions/set-tag', { name: m1, version: '1', key: 'validated', value: 'yes' })).toEqual({});
      expect(await found({ filter: `name LIKE '${like}' AND tags.validated = 'yes'` })).toEqual(['one/1']);
      expect(await call('DELETE', 'model-versions/delete-tag', { name: m1, version: '1', key: 'validated' })).toEqual({});
      expect(await search({ filter: `name LIKE '${like}' AND tags.validated = 'yes'` })).toEqual({});
    });

    it('orders and pages', async () => {
      expect(await found({ filter: `name LIKE '${like}'`, order_by: 'name DESC' })).toEqual(['two/1', 'one/2', 'one/1']);
      const page1 = await search({ filter: `name LIKE '${like}'`, order_by: 'creation_timestamp ASC', max_results: 2 });
      expect(page1.model_versions?.map((v) => `${v.name}/${v.version}`)).toEqual([`${m1}/1`, `${m1}/2`]);
      const page2 = await search({ filter: `name LIKE '${like}'`, order_by: 'creation_timestamp ASC', max_results: 2, page_token: page1.next_page_token as string });
      expect(page2).toEqual({ model_versions: [expect.objectContaining({ name: m2, version: '1', run_id: run1, source: 's3://bucket/two/1' })] });
    });

    it('refuses malformed filters with 400 INVALID_PARAMETER_VALUE', async () => {
      await invalid('GET', `model-versions/search?${q({ filter: "version_number = 'one'" })}`, undefined, /numeric value/);
      await invalid('GET', `model-versions/search?${q({ filter: "name IN ('a')" })}`, undefined, /Invalid comparator 'IN'/);
      await invalid('GET', `model-versions/search?${q({ filter: "current_stage = 'None'" })}`, undefined, /Invalid attribute key/);
      await invalid('GET', `model-versions/search?${q({ filter: 'run_id IN (1, 2)' })}`, undefined, /quoted string/);
      await invalid('GET', `model-versions/search?${q({ order_by: 'run_id' })}`, undefined, /Invalid attribute key 'run_id'/);
    });

    it('sets and deletes registered-model tags, emitting model.updated attributed to the API key', async () => {
      expect(await call('POST', 'registered-models/set-tag', { name: m2, key: 'task', value: 'ranking' })).toEqual({});
      expect(await call('POST', 'registered-models/set-tag', { name: m2, key: 'task', value: 'ranking-v2' })).toEqual({});
      expect(await call('POST', 'registered-models/set-tag', { name: m2, key: 'note', value: '' })).toEqual({});
      expect((await call<{ registered_model: Model }>('GET', `registered-models/get?name=${m2}`)).registered_model.tags).toEqual([{ key: 'task', value: 'ranking-v2' }, { key: 'note', value: '' }]);
      expect(await call('DELETE', 'registered-models/delete-tag', { name: m2, key: 'note' })).toEqual({});
      expect((await call<{ registered_model: Model }>('GET', `registered-models/get?name=${m2}`)).registered_model.tags).toEqual([{ key: 'task', value: 'ranking-v2' }]);
      await invalid('POST', 'registered-models/set-tag', { name: m2, key: 'task' }, /'value'/);
      const missing = await request(mlflow, 'POST', `${api}/registered-models/set-tag`, { body: { name: `${prefix}-absent`, key: 'k', value: 'v' } });
      expect({ status: missing.status, body: missing.body }).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.any(String) } });
      const admin: Target = { url: stack.url('api-gateway'), token: await stack.adminToken() };
      const event = await waitFor('model.updated for the tag', async () => {
        const e = await auditEvents(admin, { subject: 'shipyard.registry.model.updated.v1' });
        return e.find((x) => x.payload.name === m2) ?? null;
      });
      expect(event).toMatchObject({ actor: { type: 'api_key' }, payload: { changed: ['tags'] } });
    });

    it('sets and deletes model-version tags', async () => {
      expect(await call('POST', 'model-versions/set-tag', { name: m2, version: '1', key: 'stage-note', value: 'ok' })).toEqual({});
      expect((await call<{ model_version: Version }>('GET', `model-versions/get?name=${m2}&version=1`)).model_version.tags).toEqual([{ key: 'stage-note', value: 'ok' }]);
      expect(await call('DELETE', 'model-versions/delete-tag', { name: m2, version: '1', key: 'stage-note' })).toEqual({});
      expect((await call<{ model_version: Version }>('GET', `model-versions/get?name=${m2}&version=1`)).model_version.tags).toBeUndefined();
      const missing = await request(mlflow, 'POST', `${api}/model-versions/set-tag`, { body: { name: m2, version: '9', key: 'k', value: 'v' } });
      expect({ status: missing.status, body: missing.body }).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.any(String) } });
    });

    it('answers get-latest-versions per stage, over GET and POST', async () => {
      const latest = await call<{ model_versions: Version[] }>('GET', `registered-models/get-latest-versions?name=${m1}`);
      expect(latest.model_versions.map((v) => [v.name, v.version])).toEqual([[m1, '2']]);
      expect(await call('POST', 'registered-models/get-latest-versions', { name: m1, stages: ['none'] })).toEqual(latest);
      expect(await call('POST', 'registered-models/get-latest-versions', { name: m1, stages: ['Production'] })).toEqual({});
      await invalid('POST', 'registered-models/get-latest-versions', { name: m1, stages: ['Shipped'] }, /Invalid Model Version stage/);
    });

    it('renames a registered model; its versions follow the new name', async () => {
      const renamed = `${prefix}-mv-renamed`;
      const res = await call<{ registered_model: Model }>('POST', 'registered-models/rename', { name: m2, new_name: renamed });
      expect(res.registered_model).toMatchObject({ name: renamed, tags: [{ key: 'task', value: 'ranking-v2' }] });
      const old = await request(mlflow, 'GET', `${api}/registered-models/get?name=${m2}`);
      expect({ status: old.status, body: old.body }).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.any(String) } });
      expect((await call<{ model_version: Version }>('GET', `model-versions/get?name=${renamed}&version=1`)).model_version.name).toBe(renamed);
      const taken = await request(mlflow, 'POST', `${api}/registered-models/rename`, { body: { name: renamed, new_name: m1 } });
      expect({ status: taken.status, body: taken.body }).toEqual({ status: 400, body: { error_code: 'RESOURCE_ALREADY_EXISTS', message: expect.any(String) } });
      await call('POST', 'registered-models/rename', { name: renamed, new_name: m2 });
    });

    it('soft-deletes a model version as MLflow does: gone from every read, aliases removed, numbering continues, audited', async () => {
      const m = `${prefix}-del-model`;
      await call('POST', 'registered-models/create', { name: m });
      for (const n of [1, 2, 3]) await call('POST', 'model-versions/create', { name: m, source: `s3://bucket/del/${n}` });
      expect(await call('POST', 'registered-models/alias', { name: m, alias: 'champion', version: '2' })).toEqual({});
      expect((await call<{ model_version: Version & { aliases?: string[] } }>('GET', `registered-models/alias?name=${m}&alias=champion`)).model_version.version).toBe('2');

      const requestId = `mlflow-delete-${randomUUID()}`;
      const del = await request(mlflow, 'DELETE', `${api}/model-versions/delete`, { body: { name: m, version: '2' }, headers: { 'x-request-id': requestId } });
      expect({ status: del.status, body: del.body }).toEqual({ status: 200, body: {} });

      const gone = { status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.stringMatching(/deleted/) } };
      const get = await request(mlflow, 'GET', `${api}/model-versions/get?name=${m}&version=2`);
      expect({ status: get.status, body: get.body }).toEqual(gone);
      expect((await search({ filter: `name = '${m}'` })).model_versions?.map((v) => v.version)).toEqual(['3', '1']);
      expect(await search({ filter: `name = '${m}' AND version_number = 2` })).toEqual({});
      const alias = await request(mlflow, 'GET', `${api}/registered-models/alias?name=${m}&alias=champion`);
      expect({ status: alias.status, body: alias.body }).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.any(String) } });
      expect((await call<{ registered_model: { aliases?: unknown[] } }>('GET', `registered-models/get?name=${m}`)).registered_model.aliases).toBeUndefined();
      // An alias cannot be pointed at the deleted version again.
      const realias = await request(mlflow, 'POST', `${api}/registered-models/alias`, { body: { name: m, alias: 'champion', version: '2' } });
      expect(realias.status).toBe(404);

      // get-latest-versions: v3 is the newest in None; once v3 is deleted too, v1 is, never the deleted v2.
      expect((await call<{ model_versions: Version[] }>('GET', `registered-models/get-latest-versions?name=${m}`)).model_versions.map((v) => v.version)).toEqual(['3']);
      expect(await call('DELETE', 'model-versions/delete', { name: m, version: '3' })).toEqual({});
      expect((await call<{ model_versions: Version[] }>('POST', 'registered-models/get-latest-versions', { name: m, stages: ['None'] })).model_versions.map((v) => v.version)).toEqual(['1']);

      // The chain keeps the deleted rows: the next version is 4.
      expect((await call<{ model_version: Version }>('POST', 'model-versions/create', { name: m, source: 's3://bucket/del/4' })).model_version.version).toBe('4');

      for (const version of ['2', '3']) {
        const again = await request(mlflow, 'DELETE', `${api}/model-versions/delete`, { body: { name: m, version } });
        expect({ status: again.status, body: again.body }).toEqual(gone);
      }
      const missing = await request(mlflow, 'DELETE', `${api}/model-versions/delete`, { body: { name: m, version: '99' } });
      expect({ status: missing.status, body: missing.body }).toEqual({ status: 404, body: { error_code: 'RESOURCE_DOES_NOT_EXIST', message: expect.any(String) } });
      await invalid('DELETE', 'model-versions/delete', { name: m, version: 'two' }, /positive integer/);

      const admin: Target = { url: stack.url('api-gateway'), token: await stack.adminToken() };
      const events = await waitFor('model_version.deleted and model_alias.deleted in audit', async () => {
        const e = (await auditEvents(admin, { correlationId: requestId })).filter((x) => x.correlationId === requestId);
        return e.length >= 2 ? e : null;
      });
      expect(events.map((e) => e.subject).sort()).toEqual(['shipyard.registry.model_alias.deleted.v1', 'shipyard.registry.model_version.deleted.v1']);
      const deleted = events.find((e) => e.subject === 'shipyard.registry.model_version.deleted.v1');
      expect(deleted).toMatchObject({
        actor: { type: 'api_key', id: keyId },
        aggregate: { type: 'model_version' },
        payload: { modelName: m, version: 2, stage: 'None', removedAliases: ['champion'] },
        before: { version: 2, aliases: ['champion'] },
        after: { deletedAt: expect.any(String), deletedBy: expect.stringContaining(keyId) },
      });
      expect(events.find((e) => e.subject === 'shipyard.registry.model_alias.deleted.v1')).toMatchObject({ actor: { type: 'api_key', id: keyId }, payload: { modelName: m, alias: 'champion', version: 2 } });
    });
  });
});
