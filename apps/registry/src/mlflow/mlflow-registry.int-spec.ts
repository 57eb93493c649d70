import { randomUUID } from 'node:crypto';
import { caller, RegistryHarness, run } from '../../test/registry-harness';

interface MlflowError {
  error_code: string;
  message: string;
}

interface MlflowModelVersion {
  name: string;
  version: string;
  current_stage: string;
  status: string;
  last_updated_timestamp: number;
}

const API = '/api/2.0/mlflow';
const SOURCE = 'mlflow-artifacts:/experiments/1/run-1/artifacts/model';

/** The registry's MLflow model-registry routes in-process, over a real PostgreSQL and NATS (the way the gateway calls them). */
describe('MLflow model registry routes (real PG + NATS)', () => {
  let h: RegistryHarness;
  const writer = caller('data-scientist');
  const admin = caller('admin'); // sets gates (only admin may)

  beforeAll(async () => {
    h = await RegistryHarness.start();
    await h.startExperiments();
  });

  afterAll(async () => {
    await h?.stop();
  });

  const mlflow = <T = unknown>(path: string, body: object) => h.call<T & MlflowError>(writer, 'POST', `${API}/${path}`, body);
  const liveModels = async (name: string) => (await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM registry.models WHERE name = $1`, [name]))[0]?.n;

  /** A registered model with `versions` READY versions (registered from a source URI, as MLflow does). */
  async function registered(versions: number, opts: { runId?: string } = {}): Promise<{ id: string; name: string }> {
    const name = `m-${randomUUID().slice(0, 8)}`;
    expect((await mlflow('registered-models/create', { name })).status).toBe(200);
    for (let i = 0; i < versions; i++) {
      expect((await mlflow('model-versions/create', { name, source: SOURCE, ...(opts.runId ? { run_id: opts.runId } : {}) })).status).toBe(200);
    }
    const [row] = await h.db.query<{ id: string }>(`SELECT id FROM registry.models WHERE name = $1`, [name]);
    return { id: row?.id ?? '', name };
  }

  const versionId = async (modelId: string, v: number) => (await h.db.query<{ id: string }>(`SELECT id FROM registry.model_versions WHERE model_id = $1 AND version = $2`, [modelId, v]))[0]?.id ?? '';
  const stages = async (modelId: string) =>
    (await h.db.query<{ version: number; stage: string }>(`SELECT version, stage FROM registry.model_versions WHERE model_id = $1 ORDER BY version`, [modelId])).map((r) => [r.version, r.stage]);

  describe('names follow the native rule (letters, digits, ".", "_", "-"; at most 128 characters)', () => {
    it('refuses registered-models/create with a name the native API refuses, and stores nothing', async () => {
      for (const name of ['has space/slash', 'bad name!', '-leading-dash', 'dots..ok/no']) {
        const res = await mlflow('registered-models/create', { name });
        expect([name, res.status, res.body.error_code]).toEqual([name, 400, 'INVALID_PARAMETER_VALUE']);
        expect(res.body.message).toBe(`Invalid value ${JSON.stringify(name)} for parameter 'name' supplied: a model name may hold letters, digits, ".", "_" and "-", and starts with a letter or digit`);
        expect(await liveModels(name)).toBe(0);
      }
      expect((await mlflow('registered-models/create', { name: `ok.name_1-${randomUUID().slice(0, 4)}` })).status).toBe(200);
    });

    it('answers a 1000-character name with 400 naming the limit, not a 500 from the check constraint', async () => {
      const res = await mlflow('registered-models/create', { name: 'a'.repeat(1000) });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: "Invalid value for parameter 'name' supplied: a model name is at most 128 characters, got 1000" });
      expect((await mlflow('registered-models/create', { name: 'b'.repeat(128) })).status).toBe(200);
    });

    it('refuses registered-models/rename to such a name and keeps the old one', async () => {
      const m = await registered(0);
      const bad = await mlflow('registered-models/rename', { name: m.name, new_name: 'bad name!' });
      expect(bad.status).toBe(400);
      expect(bad.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: `Invalid value "bad name!" for parameter 'new_name' supplied: a model name may hold letters, digits, ".", "_" and "-", and starts with a letter or digit` });
      const long = await mlflow('registered-models/rename', { name: m.name, new_name: 'x'.repeat(129) });
      expect([long.status, long.body.message]).toEqual([400, "Invalid value for parameter 'new_name' supplied: a model name is at most 128 characters, got 129"]);
      expect((await h.db.query(`SELECT name FROM registry.models WHERE id = $1`, [m.id]))[0]).toEqual({ name: m.name });
      expect((await h.events(m.id)).map((e) => e.type)).toEqual(['shipyard.registry.model.created.v1']);
    });
  });

  describe('tag keys cannot hold ":" on any path that takes tags (they are stored as key:value)', () => {
    const refusal = { error_code: 'INVALID_PARAMETER_VALUE', message: `Invalid value "a:b" for parameter 'key' supplied: registry tag keys cannot contain ':'` };

    it('refuses registered-models/create with such a tag instead of storing key "a", value "b:x"', async () => {
      const name = `m-${randomUUID().slice(0, 8)}`;
      const res = await mlflow('registered-models/create', { name, tags: [{ key: 'ok', value: '1' }, { key: 'a:b', value: 'x' }] });
      expect([res.status, res.body]).toEqual([400, refusal]);
      expect(await liveModels(name)).toBe(0);
      // the same answer set-tag gives
      const m = await registered(0);
      const setTag = await mlflow('registered-models/set-tag', { name: m.name, key: 'a:b', value: 'x' });
      expect([setTag.status, setTag.body]).toEqual([400, refusal]);
    });

    it('refuses model-versions/create with such a tag and creates no version', async () => {
      const m = await registered(0);
      const res = await mlflow('model-versions/create', { name: m.name, source: SOURCE, tags: [{ key: 'a:b', value: 'x' }] });
      expect([res.status, res.body]).toEqual([400, refusal]);
      expect(await stages(m.id)).toEqual([]);
    });

    it('refuses an empty tag key', async () => {
      const res = await mlflow('registered-models/create', { name: `m-${randomUUID().slice(0, 8)}`, tags: [{ key: '', value: 'x' }] });
      expect([res.status, res.body]).toEqual([400, { error_code: 'INVALID_PARAMETER_VALUE', message: `Invalid value "" for parameter 'key' supplied: a registry tag key cannot be empty` }]);
    });
  });

  describe('model-versions/transition-stage over the native stage move', () => {
    const transition = (body: object) => mlflow<{ model_version: MlflowModelVersion }>('model-versions/transition-stage', body);

    it('moves a version (stage names in any case), answers {model_version}, records the decision and emits promoted.v1', async () => {
      const m = await registered(2);
      const res = await transition({ name: m.name, version: '1', stage: 'staging', archive_existing_versions: false });
      expect(res.status).toBe(200);
      expect(res.body.model_version).toMatchObject({ name: m.name, version: '1', current_stage: 'Staging', status: 'READY', source: SOURCE });
      expect(await stages(m.id)).toEqual([[1, 'Staging'], [2, 'None']]);
      const events = await h.events(await versionId(m.id, 1));
      expect(events.map((e) => e.type)).toEqual(['shipyard.registry.model_version.created.v1', 'shipyard.registry.model_version.promoted.v1']);
      expect(events[1]).toMatchObject({ payload: { modelName: m.name, version: 1, fromStage: 'None', toStage: 'Staging', archivedVersions: [] }, before: { stage: 'None' }, after: { stage: 'Staging' } });
      const decisions = await h.call<{ items: Array<{ fromStage: string; toStage: string; allowed: boolean }> }>(writer, 'GET', `/api/v1/models/${m.name}/versions/1/stage-decisions`);
      expect(decisions.body.items).toMatchObject([{ fromStage: 'None', toStage: 'Staging', allowed: true }]);
      // the UI's prefix serves it too
      const ajax = await h.call<{ model_version: MlflowModelVersion }>(writer, 'POST', `/ajax-api/2.0/mlflow/model-versions/transition-stage`, { name: m.name, version: '2', stage: 'Production', archive_existing_versions: false });
      expect([ajax.status, ajax.body.model_version.current_stage]).toEqual([200, 'Production']);
    });

    it('archives the other versions in the target stage when archive_existing_versions is true (Staging and Production)', async () => {
      const m = await registered(4);
      for (const [v, stage] of [[1, 'Staging'], [2, 'Production'], [3, 'Staging']] as const) {
        expect((await transition({ name: m.name, version: String(v), stage, archive_existing_versions: false })).status).toBe(200);
      }
      const staging = await transition({ name: m.name, version: '4', stage: 'Staging', archive_existing_versions: true });
      expect([staging.status, staging.body.model_version.current_stage]).toEqual([200, 'Staging']);
      expect(await stages(m.id)).toEqual([[1, 'Archived'], [2, 'Production'], [3, 'Archived'], [4, 'Staging']]);
      const event = (await h.events(await versionId(m.id, 4))).find((e) => e.type === 'shipyard.registry.model_version.promoted.v1');
      expect(event).toMatchObject({
        payload: { fromStage: 'None', toStage: 'Staging', archivedVersions: [1, 3] },
        before: { stage: 'None', archived: [{ version: 1, stage: 'Staging' }, { version: 3, stage: 'Staging' }] },
        after: { stage: 'Staging', archived: [{ version: 1, stage: 'Archived' }, { version: 3, stage: 'Archived' }] },
      });

      const production = await transition({ name: m.name, version: '4', stage: 'Production', archive_existing_versions: true });
      expect([production.status, production.body.model_version.current_stage]).toEqual([200, 'Production']);
      expect(await stages(m.id)).toEqual([[1, 'Archived'], [2, 'Archived'], [3, 'Archived'], [4, 'Production']]);
    });

    it('keeps other versions in the stage without archive_existing_versions (absent means false, as in MLflow)', async () => {
      const m = await registered(2);
      expect((await transition({ name: m.name, version: '1', stage: 'Production' })).status).toBe(200);
      expect((await transition({ name: m.name, version: '2', stage: 'Production', archive_existing_versions: false })).status).toBe(200);
      expect(await stages(m.id)).toEqual([[1, 'Production'], [2, 'Production']]);
    });

    it('applies the model\'s gates to Production: a refusal is a 400 naming the failed gates, recorded with its event, the stage unchanged', async () => {
      h.runs.set('run-weak', run('run-weak', {}, { accuracy: 0.5 }));
      const m = await registered(1, { runId: 'run-weak' });
      expect((await h.call(admin, 'PUT', `/api/v1/models/${m.name}/gates`, { metrics: [{ metric: 'accuracy', op: '>=', threshold: 0.9 }] })).status).toBe(200);
      const refused = await transition({ name: m.name, version: '1', stage: 'Production', archive_existing_versions: true });
      expect(refused.status).toBe(400);
      expect(refused.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: `PROMOTION_BLOCKED: version 1 of "${m.name}" cannot move to Production: metric:accuracy >= 0.9 (accuracy is 0.5, needs >= 0.9)` });
      expect(await stages(m.id)).toEqual([[1, 'None']]);
      const events = await h.events(await versionId(m.id, 1));
      expect(events.map((e) => e.type)).toEqual(['shipyard.registry.model_version.created.v1', 'shipyard.registry.model_version.promotion_refused.v1']);
      // Staging has no gates
      expect((await transition({ name: m.name, version: '1', stage: 'Staging', archive_existing_versions: false })).status).toBe(200);
    });

    it('refuses Production for a version that is not READY', async () => {
      const name = `m-${randomUUID().slice(0, 8)}`;
      expect((await h.call(writer, 'POST', '/api/v1/models', { name })).status).toBe(201);
      expect((await h.call(writer, 'POST', `/api/v1/models/${name}/versions`, { framework: 'onnx' })).status).toBe(201);
      const res = await transition({ name, version: '1', stage: 'Production', archive_existing_versions: false });
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ error_code: 'INVALID_PARAMETER_VALUE', message: `VERSION_NOT_READY: version 1 of "${name}" is PENDING_UPLOAD; this needs it READY` });
    });

    it('answers a move to the current stage with the version unchanged and writes nothing', async () => {
      const m = await registered(1);
      expect((await transition({ name: m.name, version: '1', stage: 'Staging', archive_existing_versions: false })).status).toBe(200);
      const before = await h.events(await versionId(m.id, 1));
      const again = await transition({ name: m.name, version: '1', stage: 'Staging', archive_existing_versions: false });
      expect([again.status, again.body.model_version.current_stage]).toEqual([200, 'Staging']);
      expect(await h.events(await versionId(m.id, 1))).toHaveLength(before.length);
    });

    it('refuses bad requests in MLflow\'s shape', async () => {
      const m = await registered(1);
      const cases: Array<[object, number, string, string]> = [
        [{ version: '1', stage: 'Staging' }, 400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'name'. See the API docs for more information about request parameters."],
        [{ name: m.name, stage: 'Staging' }, 400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'version'. See the API docs for more information about request parameters."],
        [{ name: m.name, version: '1' }, 400, 'INVALID_PARAMETER_VALUE', "Missing value for required parameter 'stage'. See the API docs for more information about request parameters."],
        [{ name: m.name, version: '1', stage: 'Prod' }, 400, 'INVALID_PARAMETER_VALUE', 'Invalid Model Version stage: Prod. Value must be one of None, Staging, Production, Archived.'],
        [{ name: m.name, version: '1', stage: 'Staging', archive_existing_versions: 'yes' }, 400, 'INVALID_PARAMETER_VALUE', `Invalid value "yes" for parameter 'archive_existing_versions' supplied: expected a boolean`],
        [{ name: m.name, version: '1', stage: 'Archived', archive_existing_versions: true }, 400, 'INVALID_PARAMETER_VALUE', "Model version transition cannot archive existing model versions because 'Archived' is not an Active stage. Valid stages are Staging, Production"],
        [{ name: m.name, version: '9', stage: 'Staging', archive_existing_versions: false }, 404, 'RESOURCE_DOES_NOT_EXIST', `model "${m.name}" has no version 9`],
        [{ name: 'nope', version: '1', stage: 'Staging', archive_existing_versions: false }, 404, 'RESOURCE_DOES_NOT_EXIST', 'model "nope" was not found'],
      ];
      for (const [body, status, code, message] of cases) {
        const res = await transition(body);
        expect([body, res.status, res.body]).toEqual([body, status, { error_code: code, message }]);
      }
      expect(await stages(m.id)).toEqual([[1, 'None']]);
    });
  });
});
