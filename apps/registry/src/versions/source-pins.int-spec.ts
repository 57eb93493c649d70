import { createHash, randomUUID } from 'node:crypto';
import { ErrorKind, RESOLVE_MODEL_VERSION_RPC, VersionResponse } from '@shipyard/contracts';
import { DomainError, RpcClient } from '@shipyard/service-kit';
import { ArtifactStore } from '@shipyard/storage';
import { TestS3Server } from '@shipyard/testing';
import { DataSource } from 'typeorm';
import { caller, RegistryHarness, run } from '../../test/registry-harness';
import { RegistrySourcePin1768000000000 } from '../migrations/1768000000000-registry-source-pin';

const BUCKET = 'shipyard-artifacts';
const RUN = '0193a5b0-0000-7000-8000-0000000000b1';
const RUN_DIR = `experiments/exp-1/${RUN}/artifacts`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

interface PinRow {
  artifact_key: string | null;
  artifact_size: string | null;
  artifact_sha256: string | null;
  updated_at: Date;
}

/**
 * Versions registered the MLflow way (a source URI, no upload) serve the ONNX file pinned on the version
 * row, never what the run artifact holds later. Real PostgreSQL, NATS (the resolve RPC inference calls)
 * and S3 (s3rver); the experiments service is a stand-in answering run summaries with the run's artifact URI.
 */
describe('source versions serve their pinned ONNX file (real PG + NATS + s3rver)', () => {
  let s3: TestS3Server;
  let h: RegistryHarness;
  let store: ArtifactStore;
  const writer = caller('data-scientist');

  beforeAll(async () => {
    s3 = await TestS3Server.start();
    h = await RegistryHarness.start(s3.env(BUCKET));
    await h.startExperiments();
    h.runs.set(RUN, { ...run(RUN, {}, {}), artifactUri: `s3://${BUCKET}/${RUN_DIR}` });
    store = h.app.get(ArtifactStore);
    await store.ensureBucket();
  });

  afterAll(async () => {
    await h?.stop();
    await s3?.stop();
  });

  const put = (key: string, body: string) => store.put(key, Buffer.from(body), { size: Buffer.byteLength(body) });

  /** A model with version 1 registered from `source`, as MLflow's create-model-version does it. */
  async function register(source: string): Promise<{ name: string; versionId: string }> {
    const name = `m-${randomUUID().slice(0, 8)}`;
    expect((await h.call(writer, 'POST', '/api/v1/models', { name })).status).toBe(201);
    const created = await h.call<{ model_version: { version: string } }>(writer, 'POST', '/api/2.0/mlflow/model-versions/create', { name, source });
    expect([created.status, created.body.model_version.version]).toEqual([200, '1']);
    return { name, versionId: (await version(name)).id };
  }

  const version = async (name: string) => {
    const res = await h.call<VersionResponse>(writer, 'GET', `/api/v1/models/${name}/versions/1`);
    expect(res.status).toBe(200);
    return res.body;
  };
  const row = async (versionId: string) => (await h.db.query<PinRow>(`SELECT artifact_key, artifact_size, artifact_sha256, updated_at FROM registry.model_versions WHERE id = $1`, [versionId]))[0];
  /** The inference service's call: the resolve RPC over NATS. */
  const resolve = (name: string) => h.app.get(RpcClient).call(RESOLVE_MODEL_VERSION_RPC, { model: name, version: 1 }, { requestId: `int-${randomUUID()}`, timeoutMs: 10_000 });
  const refusal = async (name: string) => {
    const e: unknown = await resolve(name).then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  };

  it('pins the ONNX file at registration when the source holds it; an overwrite afterwards is refused, not served', async () => {
    const key = `${RUN_DIR}/at-creation/model/model.onnx`;
    await put(key, 'weights A');
    const { name, versionId } = await register(`runs:/${RUN}/at-creation/model`);
    expect((await version(name)).artifact).toEqual({ size: 9, sha256: sha256('weights A'), contentType: null });
    expect(await row(versionId)).toMatchObject({ artifact_key: key, artifact_size: '9', artifact_sha256: sha256('weights A') });
    expect((await resolve(name)).artifact).toMatchObject({ key, size: 9, sha256: sha256('weights A') });
    // The pin is for inference; the native download of a source version stays refused, as before.
    for (const path of ['artifact', 'artifact/download-url']) {
      const res = await h.call<{ error: { code: string } }>(writer, 'GET', `/api/v1/models/${name}/versions/1/${path}`);
      expect([path, res.status, res.body.error.code]).toEqual([path, 409, 'VERSION_NOT_READY']);
    }

    await put(key, 'weights B, swapped in after approval');
    const e = await refusal(name);
    expect({ code: e.code, kind: e.kind }).toEqual({ code: 'VERSION_SOURCE_CHANGED', kind: ErrorKind.Conflict });
    expect(e.message).toContain(`version 1 of "${name}" cannot be served: its run artifact ${key} changed after registration`);
    expect((await version(name)).artifact?.sha256).toBe(sha256('weights A'));
    expect((await row(versionId))?.artifact_sha256).toBe(sha256('weights A'));

    // What counts is the bytes: the same weights written back serve again.
    await put(key, 'weights A');
    expect((await resolve(name)).artifact.sha256).toBe(sha256('weights A'));
    await store.delete(key);
    expect((await refusal(name)).code).toBe('VERSION_SOURCE_CHANGED');
  });

  it('a version registered before its source held an ONNX file pins it at the first resolve, without an event; a later overwrite is refused', async () => {
    const key = `${RUN_DIR}/later/model/model.onnx`;
    const { name, versionId } = await register(`runs:/${RUN}/later/model`);
    expect((await version(name)).artifact).toBeNull();
    const unservable = await refusal(name);
    expect({ code: unservable.code, message: unservable.message }).toEqual({ code: 'VERSION_SOURCE_UNSERVABLE', message: expect.stringContaining(`no .onnx file under ${RUN_DIR}/later/model`) });
    const before = await row(versionId);
    expect(before).toMatchObject({ artifact_key: null, artifact_size: null, artifact_sha256: null });

    await put(key, 'weights A');
    expect((await resolve(name)).artifact).toMatchObject({ key, size: 9, sha256: sha256('weights A') });
    expect(await row(versionId)).toEqual({ artifact_key: key, artifact_size: '9', artifact_sha256: sha256('weights A'), updated_at: before?.updated_at });
    expect((await h.events(versionId)).map((e) => e.type)).toEqual(['shipyard.registry.model_version.created.v1']);

    await put(key, 'weights B');
    expect((await refusal(name)).code).toBe('VERSION_SOURCE_CHANGED');
    expect((await version(name)).artifact?.sha256).toBe(sha256('weights A'));
  });

  it('concurrent first resolves pin once and all hand out the same file', async () => {
    const { name, versionId } = await register(`runs:/${RUN}/concurrent`);
    await put(`${RUN_DIR}/concurrent/net.onnx`, 'weights C');
    const all = await Promise.all(Array.from({ length: 8 }, () => resolve(name)));
    expect(new Set(all.map((r) => `${r.artifact.key} ${r.artifact.sha256}`))).toEqual(new Set([`${RUN_DIR}/concurrent/net.onnx ${sha256('weights C')}`]));
    expect((await row(versionId))?.artifact_sha256).toBe(sha256('weights C'));
    expect((await h.events(versionId)).map((e) => e.type)).toEqual(['shipyard.registry.model_version.created.v1']);
  });

  it('keeps serving the pinned object when another ONNX file appears beside it, and reads no bytes to check it', async () => {
    const { name } = await register(`runs:/${RUN}/beside`);
    await put(`${RUN_DIR}/beside/first.onnx`, 'weights D');
    expect((await resolve(name)).artifact.key).toBe(`${RUN_DIR}/beside/first.onnx`);
    // Unpinned, the directory would now resolve to model.onnx (the MLflow model file among several).
    await put(`${RUN_DIR}/beside/model.onnx`, 'weights E');
    const reads = jest.spyOn(store, 'get');
    try {
      for (let i = 0; i < 3; i++) expect((await resolve(name)).artifact).toMatchObject({ key: `${RUN_DIR}/beside/first.onnx`, sha256: sha256('weights D') });
      expect(reads).not.toHaveBeenCalled();
    } finally {
      reads.mockRestore();
    }
  });

  it('the database keeps a pin whole and unchangeable; the migration goes down and up again', async () => {
    await put(`${RUN_DIR}/db/model.onnx`, 'weights G');
    const pinned = await register(`runs:/${RUN}/db`);
    const unpinned = await register(`runs:/${RUN}/db-empty`);
    const refused = async (sql: string, id: string) => expect(h.db.query(sql, [id])).rejects.toThrow(/cannot change|model_versions_source_pin_whole/);
    await refused(`UPDATE registry.model_versions SET artifact_sha256 = repeat('b', 64) WHERE id = $1`, pinned.versionId);
    await refused(`UPDATE registry.model_versions SET artifact_key = 'experiments/x/model.onnx', artifact_size = 1, artifact_sha256 = repeat('b', 64) WHERE id = $1`, pinned.versionId);
    await refused(`UPDATE registry.model_versions SET artifact_key = NULL, artifact_size = NULL, artifact_sha256 = NULL WHERE id = $1`, pinned.versionId);
    await refused(`UPDATE registry.model_versions SET artifact_key = 'experiments/x/model.onnx' WHERE id = $1`, unpinned.versionId);

    const qr = h.app.get(DataSource).createQueryRunner();
    const migration = new RegistrySourcePin1768000000000();
    try {
      await migration.down(qr);
      // Without it, a READY version's artifact is frozen from creation: the first pin is refused.
      await refused(`UPDATE registry.model_versions SET artifact_key = 'experiments/x/model.onnx', artifact_size = 1, artifact_sha256 = repeat('b', 64) WHERE id = $1`, unpinned.versionId);
      await migration.up(qr);
    } finally {
      await qr.release();
    }
    await put(`${RUN_DIR}/db-empty/model.onnx`, 'weights H');
    expect((await resolve(unpinned.name)).artifact.sha256).toBe(sha256('weights H'));
    expect((await row(unpinned.versionId))?.artifact_sha256).toBe(sha256('weights H'));
  });
});
