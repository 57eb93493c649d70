import { createHash, randomUUID } from 'node:crypto';
import { MODEL_VERSION_CREATED } from '@shipyard/contracts';
import { caller, Caller, RegistryHarness } from '../../test/registry-harness';

interface Answer {
  status: number;
  body: Record<string, unknown> & { error?: { code: string } };
  headers: Record<string, unknown>;
}

/** `Idempotency-Key` on registry writes (IdempotencyInterceptor), on real PostgreSQL. */
describe('Idempotency-Key on writes (real PostgreSQL)', () => {
  let h: RegistryHarness;
  const owner = caller('admin');

  beforeAll(async () => {
    h = await RegistryHarness.start();
  });

  afterAll(async () => {
    await h?.stop();
  });

  async function send(as: Caller, method: 'POST' | 'PATCH', url: string, payload: object, key?: string): Promise<Answer> {
    const res = await h.call<Answer['body']>(as, method, url, payload, key !== undefined ? { 'idempotency-key': key } : {});
    return { status: res.status, body: res.body ?? {}, headers: res.headers };
  }

  const newModel = async () => (await send(owner, 'POST', '/api/v1/models', { name: `m-${randomUUID().slice(0, 8)}` })).body.id as string;
  const versionCount = async (modelId: string) => (await h.db.query<{ n: number }>('SELECT count(*)::int AS n FROM registry.model_versions WHERE model_id = $1', [modelId]))[0]?.n;
  const versionEvents = async (modelId: string) =>
    (await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM registry.outbox WHERE subject = $1 AND envelope->'payload'->>'modelId' = $2`, [MODEL_VERSION_CREATED, modelId]))[0]?.n;

  it('a retried create with the same key answers the first answer again and creates nothing more', async () => {
    const model = await newModel();
    const key = randomUUID();
    const first = await send(owner, 'POST', `/api/v1/models/${model}/versions`, { framework: 'onnx' }, key);
    expect(first.status).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const retry = await send(owner, 'POST', `/api/v1/models/${model}/versions`, { framework: 'onnx' }, key);
    expect({ status: retry.status, body: retry.body, replayed: retry.headers['idempotent-replayed'] }).toEqual({ status: 201, body: first.body, replayed: 'true' });
    expect(await versionCount(model)).toBe(1);
    expect(await versionEvents(model)).toBe(1);
    // Without a key, or with another one, a create is a new create.
    expect((await send(owner, 'POST', `/api/v1/models/${model}/versions`, { framework: 'onnx' }, randomUUID())).body.version).toBe(2);
    expect((await send(owner, 'POST', `/api/v1/models/${model}/versions`, { framework: 'onnx' })).body.version).toBe(3);
  });

  it('keys are per caller: another caller\'s identical key is a request of its own', async () => {
    const model = await newModel();
    const key = randomUUID();
    const other = caller('admin');
    const a = await send(owner, 'POST', `/api/v1/models/${model}/versions`, { framework: 'onnx' }, key);
    const b = await send(other, 'POST', `/api/v1/models/${model}/versions`, { framework: 'onnx' }, key);
    expect([a.body.version, b.body.version]).toEqual([1, 2]);
  });

  it('the same key with another request is 400 IDEMPOTENCY_KEY_REUSED; a malformed key is 400', async () => {
    const model = await newModel();
    const key = randomUUID();
    expect((await send(owner, 'POST', `/api/v1/models/${model}/versions`, { framework: 'onnx' }, key)).status).toBe(201);
    const reused = await send(owner, 'POST', `/api/v1/models/${model}/versions`, { framework: 'other' }, key);
    expect({ status: reused.status, code: reused.body.error?.code }).toEqual({ status: 400, code: 'IDEMPOTENCY_KEY_REUSED' });
    const bad = await send(owner, 'POST', `/api/v1/models/${model}/versions`, { framework: 'onnx' }, 'has space');
    expect({ status: bad.status, code: bad.body.error?.code }).toEqual({ status: 400, code: 'IDEMPOTENCY_KEY_INVALID' });
    expect(await versionCount(model)).toBe(1);
  });

  it('a request that fails releases its key: the corrected retry runs', async () => {
    const model = await newModel();
    const key = randomUUID();
    expect((await send(owner, 'POST', `/api/v1/models/${model}/versions`, { framework: 'not-a-framework' }, key)).status).toBe(400);
    const retry = await send(owner, 'POST', `/api/v1/models/${model}/versions`, { framework: 'onnx' }, key);
    expect({ status: retry.status, replayed: retry.headers['idempotent-replayed'] }).toEqual({ status: 201, replayed: undefined });
  });

  it('while the first request still runs a retry is 409 with Retry-After; a key abandoned by a dead request, or expired, is taken over', async () => {
    const model = await newModel();
    const body = { framework: 'onnx' };
    const url = `/api/v1/models/${model}/versions`;
    // The fingerprint the interceptor computes for this request (method, path, JSON body).
    const fingerprint = createHash('sha256').update(`POST ${url}\n`).update(JSON.stringify(body)).digest('hex');
    const pending = randomUUID();
    await h.db.query(`INSERT INTO registry.idempotency_keys (actor, key, fingerprint, state) VALUES ($1, $2, $3, 'pending')`, [`user:${owner.userId}`, pending, fingerprint]);
    const busy = await send(owner, 'POST', url, body, pending);
    expect({ status: busy.status, code: busy.body.error?.code, retryAfter: busy.headers['retry-after'] }).toEqual({ status: 409, code: 'IDEMPOTENCY_KEY_IN_PROGRESS', retryAfter: '1' });
    expect(await versionCount(model)).toBe(0);

    await h.db.query(`UPDATE registry.idempotency_keys SET created_at = now() - interval '3 minutes' WHERE key = $1`, [pending]);
    expect((await send(owner, 'POST', url, body, pending)).status).toBe(201);
    expect(await versionCount(model)).toBe(1);

    const expired = randomUUID();
    expect((await send(owner, 'POST', url, body, expired)).body.version).toBe(2);
    await h.db.query(`UPDATE registry.idempotency_keys SET created_at = now() - interval '25 hours' WHERE key = $1`, [expired]);
    const again = await send(owner, 'POST', url, body, expired);
    expect({ status: again.status, version: again.body.version, replayed: again.headers['idempotent-replayed'] }).toEqual({ status: 201, version: 3, replayed: undefined });
  });

  it('concurrent requests with one key run once: one creates, the others answer 409 or the same answer', async () => {
    const model = await newModel();
    const key = randomUUID();
    const answers = await Promise.all(Array.from({ length: 8 }, () => send(owner, 'POST', `/api/v1/models/${model}/versions`, { framework: 'onnx' }, key)));
    expect(answers.every((a) => a.status === 201 || (a.status === 409 && a.body.error?.code === 'IDEMPOTENCY_KEY_IN_PROGRESS'))).toBe(true);
    expect(new Set(answers.filter((a) => a.status === 201).map((a) => a.body.version))).toEqual(new Set([1]));
    expect(await versionCount(model)).toBe(1);
  });
});
