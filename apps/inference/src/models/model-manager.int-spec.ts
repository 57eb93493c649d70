import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ACTOR_HEADERS, eventually, InferenceHarness } from '../../test/inference-app';
import { LOGISTIC_FEATURES, logisticModel, mlpModel, sampleRows } from '../testing/test-models';

interface InferBody {
  model_version: string;
  outputs: Array<{ data: number[] }>;
}

describe('model manager: hot swap, deployments, failures (real PG, NATS, worker threads)', () => {
  const cache = mkdtempSync(join(tmpdir(), 'shipyard-swap-'));
  const v1 = logisticModel(1);
  const v2 = logisticModel(2);
  let h: InferenceHarness;
  let url: string;
  const json = async <T>(base: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${base}${path}`, { method, headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
  };

  beforeAll(async () => {
    h = await InferenceHarness.start(cache);
    h.registry.addVersion('scorer', v1.bytes);
    h.registry.addVersion('scorer', v2.bytes);
    h.registry.setAlias('scorer', 'champion', 1);
    h.registry.addVersion('mlp', mlpModel().bytes);
    h.registry.addVersion('broken', new TextEncoder().encode('definitely not an onnx file'));
    url = await h.boot({ SHIPYARD_INFERENCE_MODELS: 'scorer@champion' });
    await eventually('scorer ready', async () => (await fetch(`${url}/v2/health/ready`)).status === 200);
  });

  afterAll(async () => {
    await h?.stop();
    rmSync(cache, { recursive: true, force: true });
  });

  it('swaps versions under concurrent load when the alias moves, without a failed request', async () => {
    let moved = false;
    let sinceMove = 0;
    const failures: string[] = [];
    const seen = new Set<string>();
    await Promise.all(Array.from({ length: 16 }, async (_, worker) => {
      for (let i = 0; sinceMove < 400; i++) {
        const seed = worker * 10_000 + i;
        const rows = sampleRows(2, LOGISTIC_FEATURES, seed);
        const res = await json<InferBody>(url, 'POST', '/v2/models/scorer/infer', { inputs: [{ name: 'features', datatype: 'FP32', shape: [2, LOGISTIC_FEATURES], data: Array.from(rows) }] });
        if (res.status !== 200) {
          failures.push(`${res.status} ${JSON.stringify(res.body)}`);
          continue;
        }
        const version = res.body.model_version;
        seen.add(version);
        const expected = (version === '2' ? v2 : v1).predict(rows, 2);
        const got = res.body.outputs[0]?.data ?? [];
        if (got.some((p, r) => Math.abs(p - (expected[r] ?? NaN)) > 1e-5)) failures.push(`version ${version} answered with other weights`);
        if (!moved && i === 20 && worker === 0) {
          moved = true;
          h.registry.setAlias('scorer', 'champion', 2);
        }
        if (moved && version === '2') sinceMove++;
      }
    }));
    expect(failures).toEqual([]);
    expect([...seen].sort()).toEqual(['1', '2']);
    expect(Math.max(...h.registry.downloads.values())).toBe(1); // each artifact fetched once
    const list = await json<{ items: Array<{ name: string; version: number; reference: string; state: string }> }>(url, 'GET', '/api/v1/inference/models', undefined, ACTOR_HEADERS);
    expect(list.body.items).toEqual([expect.objectContaining({ name: 'scorer', version: 2, reference: 'scorer@champion', state: 'ready' })]);
  });

  it('deploys, lists, persists for other replicas, reports a model that fails to load, and unloads', async () => {
    const created = await json<Record<string, unknown>>(url, 'POST', '/api/v1/inference/models', { model: 'mlp' }, ACTOR_HEADERS);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'mlp', reference: 'mlp', source: 'deployment', state: 'ready', version: 1, batching: true, inputs: [{ name: 'input', datatype: 'FP32', shape: [-1, 64] }] });
    const infer = await json<InferBody>(url, 'POST', '/v2/models/mlp/infer', { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: Array.from(sampleRows(1, 64)) }] });
    expect(infer.status).toBe(200);

    // A replica booting later serves the recorded deployment, and reports (does not die on) a broken configured model.
    const replica = await h.boot({ SHIPYARD_INFERENCE_MODELS: 'broken' });
    const items = await eventually('replica state', async () => {
      const r = await json<{ items: Array<{ name: string; state: string; error: string | null }> }>(replica, 'GET', '/api/v1/inference/models', undefined, ACTOR_HEADERS);
      const byName = Object.fromEntries(r.body.items.map((i) => [i.name, i]));
      return byName.mlp?.state === 'ready' && byName.broken?.state === 'failed' ? byName : null;
    });
    expect(items.broken?.error).toMatch(/not a model ONNX Runtime can load/);
    const ready = await json<{ details: { models: { status: string; message: string } } }>(replica, 'GET', '/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.details.models).toMatchObject({ status: 'down', message: expect.stringContaining('broken: failed') });
    expect((await fetch(`${replica}/health/live`)).status).toBe(200);

    expect((await fetch(`${url}/api/v1/inference/models/mlp`, { method: 'DELETE', headers: ACTOR_HEADERS })).status).toBe(204);
    expect((await json(url, 'POST', '/v2/models/mlp/infer', { inputs: [] })).status).toBe(404);
    // The other replica follows the undeploy (its event), not only the one that took the request.
    await eventually('replica unloads mlp', async () => (await json(replica, 'POST', '/v2/models/mlp/infer', { inputs: [] })).status === 404);
    const again = await json<{ error: { code: string } }>(url, 'DELETE', '/api/v1/inference/models/mlp', undefined, ACTOR_HEADERS);
    expect(again.status).toBe(404);
    expect(again.body.error.code).toBe('INFERENCE_MODEL_NOT_SERVED');
    const events = await h.db.query<{ subject: string }>('SELECT subject FROM inference.outbox ORDER BY created_at');
    expect(events.map((e) => e.subject)).toEqual(['shipyard.inference.deployment.created.v1', 'shipyard.inference.deployment.deleted.v1']);
  });

  it('refuses bad deployments with clear 4xx errors and keeps nothing', async () => {
    const cases: Array<[unknown, number, string, Record<string, string>]> = [
      [{ model: 'nope' }, 404, 'NOT_FOUND', ACTOR_HEADERS],
      [{ model: 'broken' }, 400, 'INFERENCE_MODEL_LOAD_FAILED', ACTOR_HEADERS],
      [{ model: 'scorer', version: 1, alias: 'champion' }, 400, 'VALIDATION_FAILED', ACTOR_HEADERS],
      [{ model: 'scorer', stage: 'Nonsense' }, 400, 'VALIDATION_FAILED', ACTOR_HEADERS],
      [{ model: 'scorer' }, 401, 'UNAUTHENTICATED', {}],
    ];
    for (const [body, status, code, headers] of cases) {
      const res = await json<{ error: { code: string; message: string } }>(url, 'POST', '/api/v1/inference/models', body, headers);
      expect({ body, status: res.status, code: res.body.error.code }).toEqual({ body, status, code });
    }
    const rows = await h.db.query('SELECT model FROM inference.deployments');
    expect(rows).toEqual([]);
    // Nor in memory: a refused name is not listed or answered as "unavailable"; a refused reference for
    // a served model leaves it on the reference it had (here the configured alias).
    const scorerBefore = (await json<{ items: Array<Record<string, unknown>> }>(url, 'GET', '/api/v1/inference/models', undefined, ACTOR_HEADERS)).body.items.find((i) => i.name === 'scorer');
    const refused = await json<{ error: { code: string } }>(url, 'POST', '/api/v1/inference/models', { model: 'scorer', stage: 'Production' }, ACTOR_HEADERS);
    expect(refused.status).toBe(404);
    const listed = await json<{ items: Array<Record<string, unknown>> }>(url, 'GET', '/api/v1/inference/models', undefined, ACTOR_HEADERS);
    expect(listed.body.items.map((i) => i.name)).not.toEqual(expect.arrayContaining(['nope']));
    expect(listed.body.items.map((i) => i.name)).not.toEqual(expect.arrayContaining(['broken']));
    expect(listed.body.items.find((i) => i.name === 'scorer')).toEqual(scorerBefore);
    expect(scorerBefore).toMatchObject({ reference: 'scorer@champion', source: 'config', state: 'ready' });
    for (const name of ['nope', 'broken']) {
      const infer = await json<{ error: string }>(url, 'POST', `/v2/models/${name}/infer`, { inputs: [] });
      expect({ name, status: infer.status, error: infer.body.error }).toEqual({ name, status: 404, error: `model '${name}' is not served` });
    }
  });

  it('serves what another replica deploys and drops what it undeploys; catches up from the table when an event is missed; stays ready while a followed model fails', async () => {
    const follower = await h.boot({ SHIPYARD_INFERENCE_RECONCILE_S: '1' });
    await eventually('follower ready', async () => (await fetch(`${follower}/health/ready`)).status === 200);
    type Item = { name: string; state: string; source: string; version: number | null; error: string | null };
    const served = async (base: string) => Object.fromEntries((await json<{ items: Item[] }>(base, 'GET', '/api/v1/inference/models', undefined, ACTOR_HEADERS)).body.items.map((i) => [i.name, i]));
    const input = { inputs: [{ name: 'input', datatype: 'FP32', shape: [2, 64], data: Array.from(sampleRows(2, 64, 77)) }] };
    const record = (model: string) => h.db.query(`INSERT INTO inference.deployments (id, model, version, alias, stage, created_by, created_at, updated_at) VALUES ($1, $2, 1, NULL, NULL, 'user:test', now(), now())`, [randomUUID(), model]);

    // Deployed through one replica: the other serves it as well, with the same answers.
    expect((await json(url, 'POST', '/api/v1/inference/models', { model: 'mlp' }, ACTOR_HEADERS)).status).toBe(201);
    await eventually('follower serves mlp', async () => (await served(follower)).mlp?.state === 'ready');
    expect((await served(follower)).mlp).toMatchObject({ source: 'deployment', version: 1 });
    const [here, there] = await Promise.all([url, follower].map((base) => json<InferBody>(base, 'POST', '/v2/models/mlp/infer', input)));
    expect(there?.status).toBe(200);
    expect(there?.body.outputs).toEqual(here?.body.outputs);

    // Undeployed through that replica: gone from this one too.
    expect((await fetch(`${url}/api/v1/inference/models/mlp`, { method: 'DELETE', headers: ACTOR_HEADERS })).status).toBe(204);
    await eventually('follower drops mlp', async () => (await served(follower)).mlp === undefined);
    expect((await json(follower, 'POST', '/v2/models/mlp/infer', input)).status).toBe(404);

    // Recorded without an event reaching it (a missed message): the periodic pass serves it, and drops it once the row is gone.
    await record('mlp');
    await eventually('follower serves the recorded mlp', async () => (await served(follower)).mlp?.state === 'ready');
    expect((await json(follower, 'POST', '/v2/models/mlp/infer', input)).status).toBe(200);
    await h.db.query(`DELETE FROM inference.deployments WHERE model = 'mlp'`);
    await eventually('follower drops the unrecorded mlp', async () => (await served(follower)).mlp === undefined);

    // A followed deployment that cannot load is reported with its error; the replica stays ready for what it serves.
    await record('broken');
    const broken = await eventually('broken reported', async () => {
      const entry = (await served(follower)).broken;
      return entry?.state === 'failed' ? entry : null;
    });
    expect(broken.error).toMatch(/not a model ONNX Runtime can load/);
    expect((await fetch(`${follower}/health/ready`)).status).toBe(200);
    const metrics = await (await fetch(`${follower}/metrics`)).text();
    const stateOf = (model: string) => metrics.split('\n').filter((l) => l.startsWith('shipyard_inference_model_state{') && l.includes(`model="${model}"`) && l.trimEnd().endsWith(' 1')).map((l) => /state="([a-z]+)"/.exec(l)?.[1]);
    expect(stateOf('broken')).toEqual(['failed']);
    expect((await json(follower, 'POST', '/v2/models/broken/infer', input)).status).toBe(503);
    await h.db.query(`DELETE FROM inference.deployments WHERE model = 'broken'`);
    await eventually('follower drops broken', async () => (await served(follower)).broken === undefined);

    // A replica booting with a recorded deployment the registry no longer has (say, its version was
    // deleted) reports it and still gets ready: it would otherwise never take traffic.
    await record('ghost');
    const late = await h.boot({ SHIPYARD_INFERENCE_RECONCILE_S: '0' });
    const ghost = await eventually('ghost reported', async () => {
      const entry = (await served(late)).ghost;
      return entry?.state === 'failed' ? entry : null;
    });
    expect(ghost.error).toBe('model "ghost" was not found');
    await eventually('late replica ready', async () => (await fetch(`${late}/health/ready`)).status === 200);
    await h.db.query(`DELETE FROM inference.deployments WHERE model = 'ghost'`);
  });

  it('stops serving a version the registry deletes: "newest" moves back to the previous version, a pinned one answers 503 with the reason, the replica stays ready', async () => {
    const a = logisticModel(31);
    const b = logisticModel(32);
    h.registry.addVersion('retiring', a.bytes);
    h.registry.addVersion('retiring', b.bytes);
    h.registry.addVersion('pinned', a.bytes);
    for (const body of [{ model: 'retiring' }, { model: 'pinned', version: 1 }]) expect((await json(url, 'POST', '/api/v1/inference/models', body, ACTOR_HEADERS)).status).toBe(201);
    const rows = sampleRows(1, LOGISTIC_FEATURES, 5);
    const infer = (model: string) => json<InferBody & { error?: string }>(url, 'POST', `/v2/models/${model}/infer`, { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, LOGISTIC_FEATURES], data: Array.from(rows) }] });
    expect((await infer('retiring')).body.model_version).toBe('2');

    h.registry.deleteVersion('retiring', 2);
    const back = await eventually('retiring back on version 1', async () => {
      const r = await infer('retiring');
      return r.status === 200 && r.body.model_version === '1' ? r : null;
    });
    expect(back.body.outputs[0]?.data[0]).toBeCloseTo(a.predict(rows, 1)[0] ?? NaN, 5);

    h.registry.deleteVersion('pinned', 1);
    const gone = await eventually('pinned withdrawn', async () => {
      const r = await infer('pinned');
      return r.status === 503 ? r : null;
    });
    expect(gone.body.error).toBe("model 'pinned' is unavailable: version 1 was deleted from the registry");
    expect((await fetch(`${url}/health/ready`)).status).toBe(200);
    for (const model of ['retiring', 'pinned']) expect((await fetch(`${url}/api/v1/inference/models/${model}`, { method: 'DELETE', headers: ACTOR_HEADERS })).status).toBe(204);
  });

  it('keeps configured models the same on every replica: undeploying one is refused (409); a deployment over one, once removed, goes back to the configured version everywhere', async () => {
    h.registry.addVersion('layered', v1.bytes);
    h.registry.addVersion('layered', v2.bytes);
    const [a, b] = await Promise.all([h.boot({ SHIPYARD_INFERENCE_MODELS: 'layered:1' }), h.boot({ SHIPYARD_INFERENCE_MODELS: 'layered:1' })]);
    const rows = sampleRows(1, LOGISTIC_FEATURES, 5);
    const servedVersion = async (base: string) => (await json<InferBody>(base, 'POST', '/v2/models/layered/infer', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, LOGISTIC_FEATURES], data: Array.from(rows) }] })).body.model_version;
    const listed = async (base: string) => (await json<{ items: Array<{ name: string; source: string; reference: string; version: number }> }>(base, 'GET', '/api/v1/inference/models', undefined, ACTOR_HEADERS)).body.items.find((i) => i.name === 'layered');
    for (const base of [a, b]) await eventually('configured model served', async () => (await servedVersion(base)) === '1');

    // Served from each replica's own configuration: an unload would reach one replica, until its restart.
    const refused = await json<{ error: { code: string; message: string } }>(a, 'DELETE', '/api/v1/inference/models/layered', undefined, ACTOR_HEADERS);
    expect(refused.status).toBe(409);
    expect(refused.body.error.code).toBe('INFERENCE_MODEL_CONFIGURED');
    expect(refused.body.error.message).toContain('SHIPYARD_INFERENCE_MODELS (layered:1)');
    expect([await servedVersion(a), await servedVersion(b)]).toEqual(['1', '1']);

    // A deployment overrides the configuration on every replica ...
    expect((await json(a, 'POST', '/api/v1/inference/models', { model: 'layered', version: 2 }, ACTOR_HEADERS)).status).toBe(201);
    await eventually('b follows version 2', async () => (await servedVersion(b)) === '2');
    // ... and removing it brings the configured version back, on every replica.
    expect((await fetch(`${a}/api/v1/inference/models/layered`, { method: 'DELETE', headers: ACTOR_HEADERS })).status).toBe(204);
    for (const base of [a, b]) await eventually('back to the configured version', async () => (await servedVersion(base)) === '1');
    for (const base of [a, b]) expect(await listed(base)).toMatchObject({ source: 'config', reference: 'layered:1', version: 1 });
    expect((await json(b, 'DELETE', '/api/v1/inference/models/layered', undefined, ACTOR_HEADERS)).status).toBe(409);
  });

  it('takes a model name in any case, as the registry does: one entry and one row under the registry\'s spelling', async () => {
    const created = await json<Record<string, unknown>>(url, 'POST', '/api/v1/inference/models', { model: 'MLP' }, ACTOR_HEADERS);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'mlp', reference: 'mlp', state: 'ready' });
    // Deployed again in another case: the same entry, still one row.
    expect((await json(url, 'POST', '/api/v1/inference/models', { model: 'Mlp', version: 1 }, ACTOR_HEADERS)).status).toBe(201);
    const listed = await json<{ items: Array<{ name: string }> }>(url, 'GET', '/api/v1/inference/models', undefined, ACTOR_HEADERS);
    expect(listed.body.items.filter((i) => i.name.toLowerCase() === 'mlp').map((i) => i.name)).toEqual(['mlp']);
    expect(await h.db.query('SELECT model, version FROM inference.deployments')).toEqual([{ model: 'mlp', version: 1 }]);
    const input = { inputs: [{ name: 'input', datatype: 'FP32', shape: [1, 64], data: Array.from(sampleRows(1, 64, 5)) }] };
    const [lower, upper] = await Promise.all(['mlp', 'MLP'].map((n) => json<InferBody>(url, 'POST', `/v2/models/${n}/infer`, input)));
    expect(upper?.status).toBe(200);
    expect(upper?.body.outputs).toEqual(lower?.body.outputs);
    expect((await fetch(`${url}/api/v1/inference/models/mLp`, { method: 'DELETE', headers: ACTOR_HEADERS })).status).toBe(204);
    expect(await h.db.query('SELECT model FROM inference.deployments')).toEqual([]);
    expect((await json(url, 'POST', '/v2/models/mlp/infer', input)).status).toBe(404);
    const events = await h.db.query<{ subject: string; model: string }>(`SELECT subject, envelope->'payload'->>'model' AS model FROM inference.outbox WHERE envelope->'payload'->>'model' ILIKE 'mlp' ORDER BY seq`);
    expect(events.slice(-3)).toEqual([
      { subject: 'shipyard.inference.deployment.created.v1', model: 'mlp' },
      { subject: 'shipyard.inference.deployment.created.v1', model: 'mlp' },
      { subject: 'shipyard.inference.deployment.deleted.v1', model: 'mlp' },
    ]);
  });

  it('a deploy that loads but cannot be recorded (database unavailable) answers 503 and leaves the model as it was', async () => {
    h.registry.addVersion('unrecorded', logisticModel(3).bytes);
    h.registry.addVersion('unrecorded', logisticModel(4).bytes);
    const version = async () => (await json<{ model_version: string }>(url, 'POST', '/v2/models/unrecorded/infer', { inputs: [{ name: 'features', datatype: 'FP32', shape: [1, LOGISTIC_FEATURES], data: Array.from(sampleRows(1, LOGISTIC_FEATURES)) }] })).body.model_version;
    // The row write fails the way a database going down does (SQLSTATE 57P03, cannot_connect_now).
    await h.db.query(`CREATE FUNCTION inference.refuse_unrecorded() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF NEW.model = 'unrecorded' THEN RAISE EXCEPTION 'the database system is starting up' USING ERRCODE = '57P03'; END IF; RETURN NEW; END $$`);
    await h.db.query(`CREATE TRIGGER refuse_unrecorded BEFORE INSERT OR UPDATE ON inference.deployments FOR EACH ROW EXECUTE FUNCTION inference.refuse_unrecorded()`);
    try {
      // Not served before: it is not served after.
      const refused = await json<{ error: { code: string } }>(url, 'POST', '/api/v1/inference/models', { model: 'unrecorded', version: 2 }, ACTOR_HEADERS);
      expect({ status: refused.status, code: refused.body.error.code }).toEqual({ status: 503, code: 'UPSTREAM_UNAVAILABLE' });
      await eventually('unloaded again', async () => (await fetch(`${url}/v2/models/unrecorded/ready`)).status === 404);

      // Served at version 1: back to version 1.
      await h.db.query('ALTER TABLE inference.deployments DISABLE TRIGGER refuse_unrecorded');
      expect((await json(url, 'POST', '/api/v1/inference/models', { model: 'unrecorded', version: 1 }, ACTOR_HEADERS)).status).toBe(201);
      await h.db.query('ALTER TABLE inference.deployments ENABLE TRIGGER refuse_unrecorded');
      expect((await json(url, 'POST', '/api/v1/inference/models', { model: 'unrecorded', version: 2 }, ACTOR_HEADERS)).status).toBe(503);
      await eventually('back to version 1', async () => (await version()) === '1');
      const listed = await json<{ items: Array<{ name: string; reference: string; version: number; state: string }> }>(url, 'GET', '/api/v1/inference/models', undefined, ACTOR_HEADERS);
      expect(listed.body.items.find((i) => i.name === 'unrecorded')).toMatchObject({ reference: 'unrecorded:1', version: 1, state: 'ready' });
      expect(await h.db.query(`SELECT version FROM inference.deployments WHERE model = 'unrecorded'`)).toEqual([{ version: 1 }]);
    } finally {
      await h.db.query('DROP TRIGGER refuse_unrecorded ON inference.deployments');
      await h.db.query('DROP FUNCTION inference.refuse_unrecorded()');
    }
  });
});
