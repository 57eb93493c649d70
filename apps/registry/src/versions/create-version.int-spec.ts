import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { waitFor } from '@shipyard/testing';
import { caller, RegistryHarness } from '../../test/registry-harness';

/** CreateVersionUseCase racing a model's soft delete, on a real PostgreSQL (the registry in-process). */
describe('creating a version while the model is deleted (real PG + NATS)', () => {
  let h: RegistryHarness;
  const writer = caller('data-scientist');

  beforeAll(async () => {
    h = await RegistryHarness.start();
  });

  afterAll(async () => {
    await h?.stop();
  });

  const creates: Array<[string, (name: string) => ReturnType<RegistryHarness['call']>, string]> = [
    ['POST /api/v1/models/{id}/versions', (name) => h.call(writer, 'POST', `/api/v1/models/${name}/versions`, { framework: 'onnx' }), 'MODEL_NOT_FOUND'],
    ['MLflow model-versions/create', (name) => h.call(writer, 'POST', '/api/2.0/mlflow/model-versions/create', { name, source: 's3://elsewhere/model' }), 'RESOURCE_DOES_NOT_EXIST'],
  ];

  it.each(creates)('%s that waited for a delete\'s row lock answers 404 and creates nothing once the delete commits', async (_route, create, code) => {
    const name = `m-${randomUUID().slice(0, 8)}`;
    const model = await h.call<{ id: string }>(writer, 'POST', '/api/v1/models', { name });
    expect(model.status).toBe(201);
    expect((await create(name)).status).toBeLessThan(300); // version 1, before the delete

    // The delete's transaction, as DeleteModelUseCase runs it: lock the live row, mark it deleted, commit.
    const deleter = new Client({ connectionString: h.db.url });
    await deleter.connect();
    try {
      await deleter.query('BEGIN');
      await deleter.query('SELECT id FROM registry.models WHERE id = $1 AND deleted_at IS NULL FOR UPDATE', [model.body.id]);
      const creating = create(name);
      await waitFor('the create to queue on the model row lock', async () => {
        const [row] = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%registry.models%'`);
        return row?.n === 1;
      });
      await deleter.query('UPDATE registry.models SET deleted_at = now() WHERE id = $1', [model.body.id]);
      await deleter.query('COMMIT');
      const res = await creating;
      expect({ status: res.status, code: (res.body as { error?: { code: string }; error_code?: string }).error?.code ?? (res.body as { error_code?: string }).error_code }).toEqual({ status: 404, code });
    } finally {
      await deleter.end();
    }
    const versions = await h.db.query<{ version: number }>('SELECT version FROM registry.model_versions WHERE model_id = $1 ORDER BY version', [model.body.id]);
    expect(versions.map((v) => v.version)).toEqual([1]);
    expect(await h.db.query(`SELECT latest_version FROM registry.models WHERE id = $1`, [model.body.id])).toEqual([{ latest_version: 1 }]);
    const created = await h.db.query(`SELECT 1 FROM registry.outbox WHERE subject = 'shipyard.registry.model_version.created.v1' AND envelope->'payload'->>'modelId' = $1`, [model.body.id]);
    expect(created).toHaveLength(1);
  });
});
