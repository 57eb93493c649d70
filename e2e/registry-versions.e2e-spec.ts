import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { connect, JSONCodec } from 'nats';
import { TestStack, waitFor } from '@shipyard/testing';
import { auditEvents, mapLimit, request, Target } from './http';
import { linearOnnx } from './onnx-fixtures';

interface Version {
  id: string;
  modelId: string;
  modelName: string;
  version: number;
  status: string;
  stage: string;
  framework: string;
  signature: { inputs: Array<{ name: string; dtype: string; shape: number[] }>; outputs: Array<{ name: string; dtype: string; shape: number[] }> } | null;
  artifact: { size: number; sha256: string } | null;
  failureReason: string | null;
}
interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('registry versions and artifacts through the gateway (real PostgreSQL, NATS, s3rver)', () => {
  let stack: TestStack;
  let gw: Target;
  let viewer: { token: string };

  beforeAll(async () => {
    stack = await TestStack.start({ services: ['audit', 'registry', 'api-gateway'] });
    gw = { url: stack.url('api-gateway'), token: await stack.adminToken() };
    viewer = await stack.user('viewer@example.com', 'viewer');
  });

  afterAll(async () => {
    await stack?.stop();
  });

  async function model(): Promise<string> {
    const res = await request<{ id: string; name: string }>(gw, 'POST', '/api/v1/models', { body: { name: `m-${randomUUID().slice(0, 8)}` } });
    expect(res.status).toBe(201);
    return res.body.name;
  }

  async function version(m: string, framework = 'other'): Promise<number> {
    const res = await request<Version>(gw, 'POST', `/api/v1/models/${m}/versions`, { body: { framework } });
    expect(res.status).toBe(201);
    return res.body.version;
  }

  async function upload(m: string, v: number, bytes: Buffer, headers: Record<string, string> = {}) {
    const res = await fetch(`${stack.url('api-gateway')}/api/v1/models/${m}/versions/${v}/artifact`, { method: 'PUT', headers: { authorization: `Bearer ${await stack.adminToken()}`, 'content-type': 'application/octet-stream', ...headers }, body: bytes });
    const text = await res.text();
    return { status: res.status, body: JSON.parse(text) as Version & ErrorBody };
  }

  it('numbers 20 concurrent creations on one model 1..20: no gap, no duplicate', async () => {
    const m = await model();
    const created = await mapLimit(Array.from({ length: 20 }, (_, i) => i), 20, async () => (await request<Version>(gw, 'POST', `/api/v1/models/${m}/versions`, { body: { framework: 'sklearn' } })));
    expect(created.map((r) => r.status)).toEqual(Array(20).fill(201));
    expect(created.map((r) => r.body.version).sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const listed = await request<{ items: Version[] }>(gw, 'GET', `/api/v1/models/${m}/versions?limit=100`);
    expect(listed.body.items.map((v) => v.version)).toEqual(Array.from({ length: 20 }, (_, i) => 20 - i));
    expect(listed.body.items.every((v) => v.status === 'PENDING_UPLOAD')).toBe(true);
  });

  it('refuses a gap or a duplicate at the database, whatever the code does', async () => {
    const m = await model();
    await version(m);
    const [row] = await stack.db.query<{ model_id: string }>(`SELECT model_id FROM registry.model_versions v JOIN registry.models m ON m.id = v.model_id WHERE m.name = $1`, [m]);
    const insert = (n: number, prev: number | null) => stack.db.query(`INSERT INTO registry.model_versions (id, model_id, version, previous_version, framework, created_by, created_by_user, created_at, updated_at) VALUES ($1, $2, $3, $4, 'other', 'system:test', 'test', now(), now())`, [randomUUID(), row?.model_id, n, prev]);
    await expect(insert(3, 2)).rejects.toThrow(/model_versions_previous_fk/);
    await expect(insert(1, null)).rejects.toThrow(/model_versions_number_key|model_versions_previous_key/);
    await expect(insert(2, null)).rejects.toThrow(/model_versions_contiguous/);
    await expect(stack.db.query(`UPDATE registry.model_versions SET framework = 'onnx' WHERE model_id = $1`, [row?.model_id])).rejects.toThrow(/immutable/);
    await expect(stack.db.query(`DELETE FROM registry.model_versions WHERE model_id = $1`, [row?.model_id])).rejects.toThrow(/never deleted/);
  });

  it('streams an ONNX artifact through the gateway, reads its signature from the file, and gives back the same bytes', async () => {
    const m = await model();
    const v = await version(m, 'onnx');
    const bytes = linearOnnx(8);
    const up = await upload(m, v, bytes, { 'x-content-sha256': sha256(bytes) });
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ status: 'READY', artifact: { size: bytes.length, sha256: sha256(bytes) }, signature: { inputs: [{ name: 'x', dtype: 'float32', shape: [-1, 8] }], outputs: [{ name: 'y', dtype: 'float32', shape: [-1, 1] }] } });

    const down = await fetch(`${stack.url('api-gateway')}/api/v1/models/${m}/versions/${v}/artifact`, { headers: { authorization: `Bearer ${await stack.adminToken()}` } });
    expect(down.status).toBe(200);
    expect(down.headers.get('x-content-sha256')).toBe(sha256(bytes));
    expect(down.headers.get('content-disposition')).toContain(`${m}-v${v}.onnx`);
    expect(Buffer.from(await down.arrayBuffer()).equals(bytes)).toBe(true);

    // READY is final: a second upload is refused and the first artifact stays.
    const again = await upload(m, v, randomBytes(100));
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('VERSION_NOT_PENDING_UPLOAD');
  });

  it('round-trips a 24 MiB binary artifact byte for byte', async () => {
    const m = await model();
    const v = await version(m);
    const bytes = randomBytes(24 * 1024 * 1024);
    const up = await upload(m, v, bytes);
    expect(up.status).toBe(200);
    expect(up.body.artifact).toEqual({ size: bytes.length, sha256: sha256(bytes), contentType: 'application/octet-stream' });
    const down = await fetch(`${stack.url('api-gateway')}/api/v1/models/${m}/versions/${v}/artifact`, { headers: { authorization: `Bearer ${await stack.adminToken()}` } });
    expect(sha256(Buffer.from(await down.arrayBuffer()))).toBe(sha256(bytes));
  });

  it('fails a streamed upload whose sha256 differs: clear error, version FAILED (never READY), no object left, and a retry can succeed', async () => {
    const m = await model();
    const v = await version(m);
    const bytes = randomBytes(4096);
    const bad = await upload(m, v, bytes, { 'x-content-sha256': sha256(Buffer.from('something else')) });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('CHECKSUM_MISMATCH');
    expect(bad.body.error.message).toContain(sha256(bytes));
    const after = await request<Version>(gw, 'GET', `/api/v1/models/${m}/versions/${v}`);
    expect(after.body).toMatchObject({ status: 'FAILED', artifact: null, failureReason: expect.stringContaining('sha256 mismatch') });
    expect((await request<{ items: Version[] }>(gw, 'GET', `/api/v1/models/${m}/versions?status=READY`)).body.items).toEqual([]);
    expect((await request<ErrorBody>(gw, 'GET', `/api/v1/models/${m}/versions/${v}/artifact`)).body.error.code).toBe('VERSION_NOT_READY');
    const [{ n }] = (await stack.db.query<{ n: string }>(`SELECT count(*) AS n FROM registry.model_versions WHERE artifact_key IS NOT NULL AND status <> 'READY'`)) as [{ n: string }];
    expect(Number(n)).toBe(0);
    const good = await upload(m, v, bytes, { 'x-content-sha256': sha256(bytes) });
    expect(good.status).toBe(200);
    expect(good.body.status).toBe('READY');
  });

  it('refuses a file that is not ONNX when the framework says onnx', async () => {
    const m = await model();
    const v = await version(m, 'onnx');
    const res = await upload(m, v, Buffer.from('definitely not protobuf'));
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('INVALID_ONNX_MODEL');
    expect((await request<Version>(gw, 'GET', `/api/v1/models/${m}/versions/${v}`)).body.status).toBe('FAILED');
  });

  it('presigned upload: PUT straight to S3, complete checks size and sha256; a mismatch leaves the version not READY', async () => {
    const m = await model();
    const v = await version(m, 'onnx');
    const bytes = linearOnnx(16);
    const noUpload = await request<ErrorBody>(gw, 'POST', `/api/v1/models/${m}/versions/${v}/artifact/complete`, { body: { sha256: sha256(bytes), size: bytes.length } });
    expect(noUpload.status).toBe(400);
    expect(noUpload.body.error.code).toBe('UPLOAD_MISSING');

    const url1 = await request<{ url: string; method: string; expiresAt: string }>(gw, 'POST', `/api/v1/models/${m}/versions/${v}/artifact/upload-url`);
    expect(url1.status).toBe(200);
    expect((await fetch(url1.body.url, { method: 'PUT', body: bytes })).status).toBe(200);
    const wrong = await request<ErrorBody>(gw, 'POST', `/api/v1/models/${m}/versions/${v}/artifact/complete`, { body: { sha256: sha256(Buffer.from('x')), size: bytes.length } });
    expect(wrong.status).toBe(400);
    expect(wrong.body.error.code).toBe('CHECKSUM_MISMATCH');
    expect((await request<Version>(gw, 'GET', `/api/v1/models/${m}/versions/${v}`)).body.status).toBe('FAILED');

    const url2 = await request<{ url: string }>(gw, 'POST', `/api/v1/models/${m}/versions/${v}/artifact/upload-url`);
    expect((await fetch(url2.body.url, { method: 'PUT', body: bytes })).status).toBe(200);
    const size = await request<ErrorBody>(gw, 'POST', `/api/v1/models/${m}/versions/${v}/artifact/complete`, { body: { sha256: sha256(bytes), size: bytes.length + 1 } });
    expect(size.body.error.code).toBe('SIZE_MISMATCH');

    const url3 = await request<{ url: string }>(gw, 'POST', `/api/v1/models/${m}/versions/${v}/artifact/upload-url`);
    expect((await fetch(url3.body.url, { method: 'PUT', body: bytes })).status).toBe(200);
    const done = await request<Version>(gw, 'POST', `/api/v1/models/${m}/versions/${v}/artifact/complete`, { body: { sha256: sha256(bytes), size: bytes.length } });
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ status: 'READY', artifact: { sha256: sha256(bytes), size: bytes.length }, signature: { inputs: [{ name: 'x', shape: [-1, 16] }] } });
  });

  it('presigned GET works with a plain HTTP client and stops working after it expires', async () => {
    const m = await model();
    const v = await version(m);
    const bytes = randomBytes(2048);
    expect((await upload(m, v, bytes)).status).toBe(200);
    const link = await request<{ url: string; sha256: string; size: number }>(gw, 'GET', `/api/v1/models/${m}/versions/${v}/artifact/download-url?expiresIn=300`);
    expect(link.status).toBe(200);
    expect(link.body).toMatchObject({ sha256: sha256(bytes), size: 2048 });
    const got = await fetch(link.body.url);
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
    // A 1 s link: the signature's time has whole seconds, so it may expire at once; 2.5 s later it surely has.
    const short = await request<{ url: string }>(gw, 'GET', `/api/v1/models/${m}/versions/${v}/artifact/download-url?expiresIn=1`);
    expect(short.status).toBe(200);
    await new Promise((r) => setTimeout(r, 2_500));
    const late = await fetch(short.body.url);
    expect(late.status).toBe(403);
  });

  it('answers bad input with clear 4xx errors', async () => {
    const m = await model();
    expect((await request<ErrorBody>(gw, 'POST', `/api/v1/models/${m}/versions`, { body: { framework: 'caffe' } })).status).toBe(400);
    expect((await request<ErrorBody>(gw, 'GET', `/api/v1/models/${m}/versions/zero`)).body.error.code).toBe('INVALID_VERSION_NUMBER');
    expect((await request<ErrorBody>(gw, 'GET', `/api/v1/models/${m}/versions/99`)).body.error.code).toBe('VERSION_NOT_FOUND');
    expect((await request<ErrorBody>(gw, 'GET', `/api/v1/models/no-such-model/versions`)).body.error.code).toBe('MODEL_NOT_FOUND');
    const v = await version(m);
    expect((await upload(m, v, Buffer.from('x'), { 'x-content-sha256': 'XYZ' })).body.error.code).toBe('VALIDATION_FAILED');
    const wrongType = await fetch(`${stack.url('api-gateway')}/api/v1/models/${m}/versions/${v}/artifact`, { method: 'PUT', headers: { authorization: `Bearer ${await stack.adminToken()}`, 'content-type': 'text/plain' }, body: 'hello' });
    expect(wrongType.status).toBe(415);
  });

  it('keeps description and tags editable, the rest immutable; a viewer cannot write', async () => {
    const m = await model();
    const v = await version(m);
    const patched = await request<Version & { description: string; tags: string[] }>(gw, 'PATCH', `/api/v1/models/${m}/versions/${v}`, { body: { description: 'retrained on Q3', tags: ['q3'] } });
    expect(patched.body).toMatchObject({ description: 'retrained on Q3', tags: ['q3'] });
    expect((await request(gw, 'PATCH', `/api/v1/models/${m}/versions/${v}`, { body: { framework: 'onnx' } })).status).toBe(400);
    expect((await request(gw, 'POST', `/api/v1/models/${m}/versions`, { body: { framework: 'onnx' }, token: viewer.token })).status).toBe(403);
    const put = await fetch(`${stack.url('api-gateway')}/api/v1/models/${m}/versions/${v}/artifact`, { method: 'PUT', headers: { authorization: `Bearer ${viewer.token}`, 'content-type': 'application/octet-stream' }, body: Buffer.from('abc') });
    expect(put.status).toBe(403);
    expect((await request(gw, 'GET', `/api/v1/models/${m}/versions/${v}`, { token: viewer.token })).status).toBe(200);
  });

  it('restores a deleted model by id', async () => {
    const m = await model();
    const { body } = await request<{ id: string }>(gw, 'GET', `/api/v1/models/${m}`);
    expect((await request(gw, 'DELETE', `/api/v1/models/${m}`)).status).toBe(204);
    const restored = await request<{ id: string; name: string }>(gw, 'POST', `/api/v1/models/${body.id}/restore`);
    expect(restored.status).toBe(200);
    expect((await request(gw, 'GET', `/api/v1/models/${m}`)).status).toBe(200);
  });

  it('resolves a model reference to its newest READY version over NATS request-reply, with a fetchable URL', async () => {
    const m = await model();
    const v1 = await version(m);
    const bytes = randomBytes(1000);
    expect((await upload(m, v1, bytes)).status).toBe(200);
    await version(m); // v2 stays PENDING_UPLOAD: not resolvable
    const nc = await connect({ servers: stack.nats.url });
    const codec = JSONCodec<{ ok: boolean; result?: { version: number; artifact: { url: string; sha256: string } }; error?: { code: string } }>();
    try {
      const latest = codec.decode((await nc.request('rpc.registry.model_version.resolve.v1', JSONCodec().encode({ model: m }), { timeout: 5000 })).data);
      expect(latest).toMatchObject({ ok: true, result: { version: v1, artifact: { sha256: sha256(bytes) } } });
      const fetched = await fetch(latest.result?.artifact.url ?? '');
      expect(sha256(Buffer.from(await fetched.arrayBuffer()))).toBe(sha256(bytes));
      const pending = codec.decode((await nc.request('rpc.registry.model_version.resolve.v1', JSONCodec().encode({ model: m, version: 2 }), { timeout: 5000 })).data);
      expect(pending).toMatchObject({ ok: false, error: { code: 'VERSION_NOT_READY' } });
      const bad = codec.decode((await nc.request('rpc.registry.model_version.resolve.v1', JSONCodec().encode({ model: m, version: -1 }), { timeout: 5000 })).data);
      expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_FAILED' } });
    } finally {
      await nc.close();
    }
  });

  it('soft-deletes a version (even in Production): gone from reads and resolution, row kept and frozen by the database', async () => {
    const m = await model();
    for (let i = 0; i < 3; i++) await version(m);
    expect((await upload(m, 1, randomBytes(50))).status).toBe(200);
    expect((await upload(m, 2, randomBytes(60))).status).toBe(200);
    expect((await request(gw, 'POST', `/api/v1/models/${m}/versions/2/stage`, { body: { stage: 'Production' } })).status).toBe(200);
    expect((await request(gw, 'PUT', `/api/v1/models/${m}/aliases/champion`, { body: { version: 2 } })).status).toBe(200);

    expect((await request(gw, 'DELETE', `/api/v1/models/${m}/versions/2`, { token: viewer.token })).status).toBe(403);
    expect((await request<ErrorBody>(gw, 'DELETE', `/api/v1/models/${m}/versions/zero`)).body.error.code).toBe('INVALID_VERSION_NUMBER');
    const del = await request(gw, 'DELETE', `/api/v1/models/${m}/versions/2`);
    expect(del.status).toBe(204);

    const get = await request<ErrorBody>(gw, 'GET', `/api/v1/models/${m}/versions/2`);
    expect({ status: get.status, code: get.body.error.code, message: get.body.error.message }).toEqual({ status: 404, code: 'VERSION_NOT_FOUND', message: `version 2 of model "${m}" was deleted` });
    expect((await request(gw, 'GET', `/api/v1/models/${m}/versions/2/artifact`)).status).toBe(404);
    expect((await request(gw, 'DELETE', `/api/v1/models/${m}/versions/2`)).status).toBe(404);
    expect((await request(gw, 'DELETE', `/api/v1/models/${m}/versions/9`)).status).toBe(404);
    expect((await request<{ items: Version[] }>(gw, 'GET', `/api/v1/models/${m}/versions`)).body.items.map((v) => v.version)).toEqual([3, 1]);
    expect((await request<{ items: Version[] }>(gw, 'GET', `/api/v1/models/${m}/versions?stage=Production`)).body.items).toEqual([]);
    expect((await request<{ items: unknown[] }>(gw, 'GET', `/api/v1/models?namePrefix=${m}&stage=Production`)).body.items).toEqual([]);
    expect((await request(gw, 'PUT', `/api/v1/models/${m}/aliases/champion`, { body: { version: 2 } })).status).toBe(404);
    expect((await request(gw, 'POST', `/api/v1/models/${m}/versions/2/stage`, { body: { stage: 'Archived' } })).status).toBe(404);
    expect((await request<Version>(gw, 'POST', `/api/v1/models/${m}/versions`, { body: { framework: 'other' } })).body.version).toBe(4);

    const nc = await connect({ servers: stack.nats.url });
    const resolve = async (ref: Record<string, unknown>) => JSONCodec<{ ok: boolean; result?: { version: number }; error?: { code: string; message: string } }>().decode((await nc.request('rpc.registry.model_version.resolve.v1', JSONCodec().encode({ model: m, ...ref }), { timeout: 5000 })).data);
    try {
      expect(await resolve({ version: 2 })).toMatchObject({ ok: false, error: { code: 'VERSION_NOT_FOUND', message: expect.stringMatching(/deleted/) } });
      expect(await resolve({ stage: 'Production' })).toMatchObject({ ok: false, error: { code: 'VERSION_NOT_FOUND' } });
      expect(await resolve({ alias: 'champion' })).toMatchObject({ ok: false, error: { code: 'VERSION_NOT_FOUND' } });
      expect(await resolve({})).toMatchObject({ ok: true, result: { version: 1 } });
    } finally {
      await nc.close();
    }

    const [row] = await stack.db.query<{ id: string; model_id: string; stage: string; deleted_at: Date | null; deleted_by: string | null }>(
      `SELECT v.id, v.model_id, v.stage, v.deleted_at, v.deleted_by FROM registry.model_versions v JOIN registry.models m ON m.id = v.model_id WHERE m.name = $1 AND v.version = 2`, [m]);
    expect(row).toMatchObject({ stage: 'Production', deleted_at: expect.any(Date), deleted_by: expect.stringMatching(/^user:/) });
    expect(await stack.db.query(`SELECT alias FROM registry.model_aliases WHERE model_id = $1`, [row?.model_id])).toEqual([]);
    // The database, not only the code: the row is never removed, a deleted row never changes, deletion changes nothing else.
    await expect(stack.db.query(`DELETE FROM registry.model_versions WHERE id = $1`, [row?.id])).rejects.toThrow(/never deleted/);
    await expect(stack.db.query(`UPDATE registry.model_versions SET description = 'x' WHERE id = $1`, [row?.id])).rejects.toThrow(/is deleted and cannot change/);
    await expect(stack.db.query(`UPDATE registry.model_versions SET stage = 'Archived' WHERE id = $1`, [row?.id])).rejects.toThrow(/is deleted and cannot change/);
    await expect(stack.db.query(`UPDATE registry.model_versions SET deleted_at = NULL, deleted_by = NULL WHERE id = $1`, [row?.id])).rejects.toThrow(/is deleted and cannot change/);
    await expect(stack.db.query(`UPDATE registry.model_versions SET deleted_at = now(), deleted_by = 'user:x', description = 'x' WHERE model_id = $1 AND version = 1`, [row?.model_id])).rejects.toThrow(/may set deleted_at and deleted_by only/);
    await expect(stack.db.query(`UPDATE registry.model_versions SET deleted_at = now() WHERE model_id = $1 AND version = 1`, [row?.model_id])).rejects.toThrow(/model_versions_deleted_pair/);
    await expect(stack.db.query(`INSERT INTO registry.model_aliases (model_id, alias, version, updated_by, updated_at) VALUES ($1, 'back', 2, 'user:x', now())`, [row?.model_id])).rejects.toThrow(/deleted version/);

    const deleted = await waitFor('model_version.deleted in audit', async () => (await auditEvents(gw, { aggregateId: row?.id ?? '' })).find((e) => e.subject === 'shipyard.registry.model_version.deleted.v1') ?? null);
    expect(deleted).toMatchObject({
      actor: { type: 'user' },
      payload: { modelName: m, version: 2, stage: 'Production', removedAliases: ['champion'] },
      before: { stage: 'Production', aliases: ['champion'] },
    });
  });

  it('records version writes in audit with before/after', async () => {
    const m = await model();
    const v = await version(m);
    const bytes = randomBytes(10);
    await upload(m, v, bytes, { 'x-content-sha256': sha256(Buffer.from('no')) });
    await upload(m, v, bytes);
    const { body } = await request<Version>(gw, 'GET', `/api/v1/models/${m}/versions/${v}`);
    let events: Awaited<ReturnType<typeof auditEvents>> = [];
    for (let i = 0; i < 100 && events.length < 3; i++) {
      events = await auditEvents(gw, { aggregateId: body.id });
      if (events.length < 3) await new Promise((r) => setTimeout(r, 100));
    }
    expect(events.map((e) => e.subject)).toEqual(['shipyard.registry.model_version.created.v1', 'shipyard.registry.model_version.upload_failed.v1', 'shipyard.registry.model_version.ready.v1']);
    expect(events[2]).toMatchObject({ before: { status: 'FAILED' }, after: { status: 'READY', artifact: { sha256: sha256(bytes), size: 10 } } });
  });
});
