import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { caller, RegistryHarness } from '../../test/registry-harness';
import { RegistryVersionSoftDelete1766000000000 } from '../migrations/1766000000000-registry-version-soft-delete';

/** DeleteVersionUseCase under concurrency, against a real PostgreSQL and NATS (the registry in-process). */
describe('model version soft delete (real PG + NATS)', () => {
  let h: RegistryHarness;
  const writer = caller('data-scientist');

  beforeAll(async () => {
    h = await RegistryHarness.start();
  });

  afterAll(async () => {
    await h?.stop();
  });

  async function model(versions: number): Promise<{ id: string; name: string }> {
    const name = `m-${randomUUID().slice(0, 8)}`;
    const created = await h.call<{ id: string }>(writer, 'POST', '/api/v1/models', { name });
    expect(created.status).toBe(201);
    for (let i = 0; i < versions; i++) expect((await h.call(writer, 'POST', `/api/v1/models/${name}/versions`, { framework: 'other' })).status).toBe(201);
    return { id: created.body.id, name };
  }

  it('deletes once under 6 concurrent deletes: one 204, five 404, one event', async () => {
    const m = await model(2);
    const [row] = await h.db.query<{ id: string }>(`SELECT id FROM registry.model_versions WHERE model_id = $1 AND version = 1`, [m.id]);
    const replies = await Promise.all(Array.from({ length: 6 }, () => h.call(writer, 'DELETE', `/api/v1/models/${m.name}/versions/1`)));
    expect(replies.map((r) => r.status).sort()).toEqual([204, 404, 404, 404, 404, 404]);
    const events = (await h.events(row?.id ?? '')).filter((e) => e.type === 'shipyard.registry.model_version.deleted.v1');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ payload: { modelName: m.name, version: 1, stage: 'None', removedAliases: [] }, after: { deletedBy: `user:${writer.userId}` } });
  });

  it('never leaves an alias on a deleted version when alias moves race the delete', async () => {
    const m = await model(3);
    await Promise.all([
      h.call(writer, 'PUT', `/api/v1/models/${m.name}/aliases/a1`, { version: 2 }),
      h.call(writer, 'PUT', `/api/v1/models/${m.name}/aliases/a2`, { version: 2 }),
      h.call(writer, 'DELETE', `/api/v1/models/${m.name}/versions/2`),
      h.call(writer, 'PUT', `/api/v1/models/${m.name}/aliases/a3`, { version: 2 }),
      h.call(writer, 'PUT', `/api/v1/models/${m.name}/aliases/a4`, { version: 3 }),
    ]);
    const onDeleted = await h.db.query(`SELECT a.alias FROM registry.model_aliases a JOIN registry.model_versions v ON v.model_id = a.model_id AND v.version = a.version WHERE a.model_id = $1 AND v.deleted_at IS NOT NULL`, [m.id]);
    expect(onDeleted).toEqual([]);
    expect(await h.db.query(`SELECT alias, version FROM registry.model_aliases WHERE model_id = $1`, [m.id])).toEqual([{ alias: 'a4', version: 3 }]);
  });

  it('migrates down and up again (the columns, the pair check and both triggers)', async () => {
    const ds = h.app.get(DataSource);
    const migration = new RegistryVersionSoftDelete1766000000000();
    const qr = ds.createQueryRunner();
    const triggers = async () => (await h.db.query<{ tgname: string }>(`SELECT tgname FROM pg_trigger WHERE tgname IN ('model_versions_deletion_guard', 'model_aliases_live_version') ORDER BY tgname`)).map((t) => t.tgname);
    try {
      await migration.down(qr);
      expect(await triggers()).toEqual([]);
      expect(await h.db.query(`SELECT column_name FROM information_schema.columns WHERE table_schema = 'registry' AND table_name = 'model_versions' AND column_name LIKE 'deleted_%'`)).toEqual([]);
      await migration.up(qr);
      expect(await triggers()).toEqual(['model_aliases_live_version', 'model_versions_deletion_guard']);
    } finally {
      await qr.release();
    }
    const m = await model(1);
    expect((await h.call(writer, 'DELETE', `/api/v1/models/${m.name}/versions/1`)).status).toBe(204);
    expect((await h.call(writer, 'GET', `/api/v1/models/${m.name}/versions/1`)).status).toBe(404);
  });
});
