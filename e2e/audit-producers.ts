/**
 * One producer per write subject in libs/contracts: how a client causes that event through the
 * gateway. The contracts-completeness test fails for any catalogued subject without an entry here, so
 * a new write subject is not done until its producer shows the event reaching audit.
 */
import { randomUUID } from 'node:crypto';
import {
  DEPLOYMENT_CREATED, DEPLOYMENT_DELETED,
  API_KEY_CREATED, API_KEY_REVOKED, EXPERIMENT_CREATED, EXPERIMENT_DELETED, EXPERIMENT_RESTORED, EXPERIMENT_UPDATED, LOGIN_FAILED, LOGIN_SUCCEEDED, MODEL_ALIAS_DELETED,
  MODEL_ALIAS_SET, MODEL_CARD_CREATED, MODEL_CARD_STATUS_CHANGED, MODEL_CARD_UPDATED, MODEL_CREATED, MODEL_DELETED, MODEL_GATES_UPDATED, MODEL_RESTORED, MODEL_REVIEW_DECIDED,
  MODEL_REVIEW_SUBMITTED, MODEL_UPDATED, MODEL_VERSION_CREATED, MODEL_VERSION_DELETED, MODEL_VERSION_PROMOTED, MODEL_VERSION_PROMOTION_REFUSED, MODEL_VERSION_READY, MODEL_VERSION_UPDATED,
  MODEL_VERSION_UPLOAD_FAILED, RUN_CREATED, RUN_DATA_LOGGED, RUN_DELETED, RUN_ARTIFACT_UPLOADED, RUN_INPUTS_LOGGED, RUN_RESTORED, RUN_TAG_DELETED, RUN_UPDATED, USER_CREATED, USER_DISABLED,
  SESSION_REVOKED, USER_ENABLED, USER_PASSWORD_RESET, USER_ROLE_CHANGED,
} from '@shipyard/contracts';
import { request, Target } from './http';
import { linearOnnx } from './onnx-fixtures';

/** What the audit row of a produced event must show. */
export interface ProducedEvent {
  subject: string;
  /** The x-request-id of the request that caused the event: its correlationId in audit. */
  requestId: string;
  aggregate: { type: string; id: string };
}

export interface AuditProducer {
  subject: string;
  /** Causes exactly one `subject` event, as an administrator would (setup writes may emit others). */
  produce(gw: Target): Promise<ProducedEvent>;
}

const PASSWORD = 'Producer-Passw0rd-42';

/** Sends a request with its own request id and fails unless the status is `expected`. */
async function send<T>(gw: Target, method: string, path: string, expected: number, opts: { body?: unknown; token?: string | null } = {}): Promise<{ body: T; requestId: string }> {
  const requestId = `producer-${randomUUID()}`;
  const res = await request<T>(gw, method, path, { ...opts, headers: { 'x-request-id': requestId } });
  if (res.status !== expected) throw new Error(`${method} ${path} answered ${res.status} (expected ${expected}): ${JSON.stringify(res.body)}`);
  return { body: res.body, requestId };
}

const unique = (what: string) => `${what}-${randomUUID().slice(0, 8)}`;
const createModel = async (gw: Target) => (await send<{ id: string }>(gw, 'POST', '/api/v1/models', 201, { body: { name: unique('producer-model') } })).body.id;
const createUser = async (gw: Target) => {
  const email = `${unique('producer')}@example.com`;
  const { body } = await send<{ id: string }>(gw, 'POST', '/api/v1/admin/users', 201, { body: { email, password: PASSWORD, role: 'viewer' } });
  return { id: body.id, email };
};

/** A model with one version; `ready` uploads an artifact so the version can go to Production. */
const createVersion = async (gw: Target, ready = false) => {
  const modelId = await createModel(gw);
  const { body } = await send<{ id: string; version: number }>(gw, 'POST', `/api/v1/models/${modelId}/versions`, 201, { body: { framework: 'other' } });
  if (ready) {
    const res = await request(gw, 'PUT', `/api/v1/models/${modelId}/versions/${body.version}/artifact`, { raw: 'artifact-bytes', headers: { 'content-type': 'application/octet-stream' } });
    if (res.status >= 300) throw new Error(`artifact upload answered ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return { modelId, versionId: body.id, path: `/api/v1/models/${modelId}/versions/${body.version}` };
};
/** Uploads `raw` as a version's artifact with its own request id (optionally claiming a sha256). */
const uploadArtifact = async (gw: Target, path: string, raw: string, expected: number, sha256?: string): Promise<string> => {
  const requestId = `producer-${randomUUID()}`;
  const res = await request(gw, 'PUT', `${path}/artifact`, { raw, headers: { 'content-type': 'application/octet-stream', 'x-request-id': requestId, ...(sha256 ? { 'x-content-sha256': sha256 } : {}) } });
  if (res.status !== expected) throw new Error(`artifact upload answered ${res.status} (expected ${expected}): ${JSON.stringify(res.body)}`);
  return requestId;
};

/** A model with a READY ONNX version, for the inference service to load. */
const createOnnxModel = async (gw: Target): Promise<string> => {
  const name = unique('producer-onnx');
  await send(gw, 'POST', '/api/v1/models', 201, { body: { name } });
  await send(gw, 'POST', `/api/v1/models/${name}/versions`, 201, { body: { framework: 'onnx' } });
  const base = typeof gw === 'string' ? gw : gw.url;
  const token = typeof gw === 'string' ? undefined : gw.token;
  const res = await fetch(`${base}/api/v1/models/${name}/versions/1/artifact`, { method: 'PUT', headers: { 'content-type': 'application/octet-stream', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: linearOnnx(4) });
  if (res.status !== 200) throw new Error(`ONNX upload answered ${res.status}: ${await res.text()}`);
  return name;
};

/** A user with the approver role, logged in: decisions need someone other than the (admin) submitter. */
const approverTarget = async (gw: Target): Promise<Target> => {
  const email = `${unique('producer-approver')}@example.com`;
  await send(gw, 'POST', '/api/v1/admin/users', 201, { body: { email, password: PASSWORD, role: 'approver' } });
  const { body } = await send<{ accessToken: string }>(gw, 'POST', '/api/v1/auth/login', 200, { body: { email, password: PASSWORD }, token: null });
  return { url: typeof gw === 'string' ? gw : gw.url, token: body.accessToken };
};
const CARD = { intendedUse: 'producing audit events', owners: ['e2e'] };
const createExperiment = async (gw: Target) => (await send<{ id: string }>(gw, 'POST', '/api/v1/experiments', 201, { body: { name: unique('producer-experiment') } })).body.id;
const createRun = async (gw: Target) => (await send<{ id: string }>(gw, 'POST', '/api/v1/runs', 201, { body: { experimentId: await createExperiment(gw) } })).body.id;

/** One producer: `cause` performs the write and returns its request id and aggregate id. */
function producer(subject: string, aggregateType: string, cause: (gw: Target) => Promise<{ requestId: string; id: string }>): AuditProducer {
  return {
    subject,
    produce: async (gw) => {
      const { requestId, id } = await cause(gw);
      return { subject, requestId, aggregate: { type: aggregateType, id } };
    },
  };
}

export const AUDIT_PRODUCERS: readonly AuditProducer[] = [
  producer(MODEL_CREATED, 'model', async (gw) => {
    const { body, requestId } = await send<{ id: string }>(gw, 'POST', '/api/v1/models', 201, { body: { name: unique('producer-model'), tags: ['a'] } });
    return { requestId, id: body.id };
  }),
  producer(MODEL_UPDATED, 'model', async (gw) => {
    const id = await createModel(gw);
    return { requestId: (await send(gw, 'PATCH', `/api/v1/models/${id}`, 200, { body: { tags: ['changed'] } })).requestId, id };
  }),
  producer(MODEL_DELETED, 'model', async (gw) => {
    const id = await createModel(gw);
    return { requestId: (await send(gw, 'DELETE', `/api/v1/models/${id}`, 204)).requestId, id };
  }),
  producer(MODEL_RESTORED, 'model', async (gw) => {
    const id = await createModel(gw);
    await send(gw, 'DELETE', `/api/v1/models/${id}`, 204);
    return { requestId: (await send(gw, 'POST', `/api/v1/models/${id}/restore`, 200)).requestId, id };
  }),
  producer(MODEL_VERSION_CREATED, 'model_version', async (gw) => {
    const modelId = await createModel(gw);
    const { body, requestId } = await send<{ id: string }>(gw, 'POST', `/api/v1/models/${modelId}/versions`, 201, { body: { framework: 'other' } });
    return { requestId, id: body.id };
  }),
  producer(MODEL_VERSION_UPDATED, 'model_version', async (gw) => {
    const { versionId, path } = await createVersion(gw);
    return { requestId: (await send(gw, 'PATCH', path, 200, { body: { description: 'changed' } })).requestId, id: versionId };
  }),
  producer(MODEL_VERSION_DELETED, 'model_version', async (gw) => {
    const { versionId, path } = await createVersion(gw);
    return { requestId: (await send(gw, 'DELETE', path, 204)).requestId, id: versionId };
  }),
  producer(MODEL_VERSION_READY, 'model_version', async (gw) => {
    const { versionId, path } = await createVersion(gw);
    return { requestId: await uploadArtifact(gw, path, 'artifact-bytes', 200), id: versionId };
  }),
  producer(MODEL_VERSION_UPLOAD_FAILED, 'model_version', async (gw) => {
    const { versionId, path } = await createVersion(gw);
    return { requestId: await uploadArtifact(gw, path, 'artifact-bytes', 400, '0'.repeat(64)), id: versionId };
  }),
  producer(MODEL_ALIAS_SET, 'model_alias', async (gw) => {
    const { modelId } = await createVersion(gw);
    return { requestId: (await send(gw, 'PUT', `/api/v1/models/${modelId}/aliases/champion`, 200, { body: { version: 1 } })).requestId, id: `${modelId}/champion` };
  }),
  producer(MODEL_ALIAS_DELETED, 'model_alias', async (gw) => {
    const { modelId } = await createVersion(gw);
    await send(gw, 'PUT', `/api/v1/models/${modelId}/aliases/champion`, 200, { body: { version: 1 } });
    return { requestId: (await send(gw, 'DELETE', `/api/v1/models/${modelId}/aliases/champion`, 204)).requestId, id: `${modelId}/champion` };
  }),
  producer(MODEL_VERSION_PROMOTED, 'model_version', async (gw) => {
    const { versionId, path } = await createVersion(gw);
    return { requestId: (await send(gw, 'POST', `${path}/stage`, 200, { body: { stage: 'Staging' } })).requestId, id: versionId };
  }),
  producer(MODEL_VERSION_PROMOTION_REFUSED, 'model_version', async (gw) => {
    const { modelId, versionId, path } = await createVersion(gw, true);
    await send(gw, 'PUT', `/api/v1/models/${modelId}/gates`, 200, { body: { requireCard: true } });
    return { requestId: (await send(gw, 'POST', `${path}/stage`, 409, { body: { stage: 'Production' } })).requestId, id: versionId };
  }),
  producer(MODEL_GATES_UPDATED, 'model_gates', async (gw) => {
    const id = await createModel(gw);
    return { requestId: (await send(gw, 'PUT', `/api/v1/models/${id}/gates`, 200, { body: { metrics: [{ metric: 'accuracy', op: '>=', threshold: 0.9 }], requiredApprovals: 1 } })).requestId, id };
  }),
  producer(MODEL_REVIEW_SUBMITTED, 'model_review', async (gw) => {
    const { path } = await createVersion(gw);
    const { body, requestId } = await send<{ id: string }>(gw, 'POST', `${path}/reviews`, 201, { body: { comment: 'please review' } });
    return { requestId, id: body.id };
  }),
  producer(MODEL_REVIEW_DECIDED, 'model_review', async (gw) => {
    const { path } = await createVersion(gw);
    const { body } = await send<{ id: string }>(gw, 'POST', `${path}/reviews`, 201, { body: {} });
    return { requestId: (await send(await approverTarget(gw), 'POST', `${path}/reviews/${body.id}/decision`, 200, { body: { decision: 'approve', comment: 'fine' } })).requestId, id: body.id };
  }),
  producer(MODEL_CARD_CREATED, 'model_card', async (gw) => {
    const { versionId, path } = await createVersion(gw);
    return { requestId: (await send(gw, 'PUT', `${path}/card`, 201, { body: CARD })).requestId, id: versionId };
  }),
  producer(MODEL_CARD_UPDATED, 'model_card', async (gw) => {
    const { versionId, path } = await createVersion(gw);
    await send(gw, 'PUT', `${path}/card`, 201, { body: CARD });
    return { requestId: (await send(gw, 'PUT', `${path}/card`, 200, { body: { limitations: 'none known' } })).requestId, id: versionId };
  }),
  producer(MODEL_CARD_STATUS_CHANGED, 'model_card', async (gw) => {
    const { versionId, path } = await createVersion(gw);
    await send(gw, 'PUT', `${path}/card`, 201, { body: CARD });
    return { requestId: (await send(gw, 'PUT', `${path}/card`, 200, { body: { status: 'PendingReview' } })).requestId, id: versionId };
  }),
  producer(USER_CREATED, 'user', async (gw) => {
    const { body, requestId } = await send<{ id: string }>(gw, 'POST', '/api/v1/admin/users', 201, { body: { email: `${unique('producer')}@example.com`, password: PASSWORD, role: 'viewer' } });
    return { requestId, id: body.id };
  }),
  producer(USER_ROLE_CHANGED, 'user', async (gw) => {
    const { id } = await createUser(gw);
    return { requestId: (await send(gw, 'PATCH', `/api/v1/admin/users/${id}`, 200, { body: { role: 'approver' } })).requestId, id };
  }),
  producer(USER_DISABLED, 'user', async (gw) => {
    const { id } = await createUser(gw);
    return { requestId: (await send(gw, 'PATCH', `/api/v1/admin/users/${id}`, 200, { body: { disabled: true } })).requestId, id };
  }),
  producer(USER_ENABLED, 'user', async (gw) => {
    const { id } = await createUser(gw);
    await send(gw, 'PATCH', `/api/v1/admin/users/${id}`, 200, { body: { disabled: true } });
    return { requestId: (await send(gw, 'PATCH', `/api/v1/admin/users/${id}`, 200, { body: { disabled: false } })).requestId, id };
  }),
  producer(USER_PASSWORD_RESET, 'user', async (gw) => {
    const { id } = await createUser(gw);
    return { requestId: (await send(gw, 'POST', `/api/v1/admin/users/${id}/password`, 204, { body: { password: `${PASSWORD}-new` } })).requestId, id };
  }),
  producer(LOGIN_SUCCEEDED, 'user', async (gw) => {
    const { id, email } = await createUser(gw);
    return { requestId: (await send(gw, 'POST', '/api/v1/auth/login', 200, { body: { email, password: PASSWORD }, token: null })).requestId, id };
  }),
  producer(LOGIN_FAILED, 'user', async (gw) => {
    const { id, email } = await createUser(gw);
    return { requestId: (await send(gw, 'POST', '/api/v1/auth/login', 401, { body: { email, password: 'wrong-password-1234' }, token: null })).requestId, id };
  }),
  producer(SESSION_REVOKED, 'session', async (gw) => {
    const { email } = await createUser(gw);
    const { body } = await send<{ accessToken: string; refreshToken: string }>(gw, 'POST', '/api/v1/auth/login', 200, { body: { email, password: PASSWORD }, token: null });
    const { sid } = JSON.parse(Buffer.from(body.accessToken.split('.')[1] ?? '', 'base64url').toString()) as { sid: string };
    return { requestId: (await send(gw, 'POST', '/api/v1/auth/logout', 204, { body: { refreshToken: body.refreshToken }, token: null })).requestId, id: sid };
  }),
  producer(API_KEY_CREATED, 'api_key', async (gw) => {
    const { body, requestId } = await send<{ id: string }>(gw, 'POST', '/api/v1/api-keys', 201, { body: { name: unique('producer-key'), scopes: ['models:read'] } });
    return { requestId, id: body.id };
  }),
  producer(API_KEY_REVOKED, 'api_key', async (gw) => {
    const { body } = await send<{ id: string }>(gw, 'POST', '/api/v1/api-keys', 201, { body: { name: unique('producer-key'), scopes: ['models:read'] } });
    return { requestId: (await send(gw, 'DELETE', `/api/v1/api-keys/${body.id}`, 204)).requestId, id: body.id };
  }),
  producer(EXPERIMENT_CREATED, 'experiment', async (gw) => {
    const { body, requestId } = await send<{ id: string }>(gw, 'POST', '/api/v1/experiments', 201, { body: { name: unique('producer-experiment'), tags: [{ key: 'a', value: 'b' }] } });
    return { requestId, id: body.id };
  }),
  producer(EXPERIMENT_UPDATED, 'experiment', async (gw) => {
    const id = await createExperiment(gw);
    return { requestId: (await send(gw, 'PATCH', `/api/v1/experiments/${id}`, 200, { body: { description: 'changed' } })).requestId, id };
  }),
  producer(EXPERIMENT_DELETED, 'experiment', async (gw) => {
    const id = await createExperiment(gw);
    return { requestId: (await send(gw, 'DELETE', `/api/v1/experiments/${id}`, 200)).requestId, id };
  }),
  producer(EXPERIMENT_RESTORED, 'experiment', async (gw) => {
    const id = await createExperiment(gw);
    await send(gw, 'DELETE', `/api/v1/experiments/${id}`, 200);
    return { requestId: (await send(gw, 'POST', `/api/v1/experiments/${id}/restore`, 200)).requestId, id };
  }),
  producer(RUN_CREATED, 'run', async (gw) => {
    const { body, requestId } = await send<{ id: string }>(gw, 'POST', '/api/v1/runs', 201, { body: { experimentId: await createExperiment(gw), name: 'producer-run' } });
    return { requestId, id: body.id };
  }),
  producer(RUN_UPDATED, 'run', async (gw) => {
    const id = await createRun(gw);
    return { requestId: (await send(gw, 'PATCH', `/api/v1/runs/${id}`, 200, { body: { status: 'FINISHED' } })).requestId, id };
  }),
  producer(RUN_DELETED, 'run', async (gw) => {
    const id = await createRun(gw);
    return { requestId: (await send(gw, 'DELETE', `/api/v1/runs/${id}`, 200)).requestId, id };
  }),
  producer(RUN_RESTORED, 'run', async (gw) => {
    const id = await createRun(gw);
    await send(gw, 'DELETE', `/api/v1/runs/${id}`, 200);
    return { requestId: (await send(gw, 'POST', `/api/v1/runs/${id}/restore`, 200)).requestId, id };
  }),
  producer(RUN_DATA_LOGGED, 'run', async (gw) => {
    const id = await createRun(gw);
    const body = { metrics: [{ key: 'loss', value: 0.5, step: 1 }, { key: 'loss', value: 0.4, step: 2 }], params: [{ key: 'lr', value: '0.1' }], tags: [{ key: 'team', value: 'x' }] };
    return { requestId: (await send(gw, 'POST', `/api/v1/runs/${id}/log-batch`, 201, { body })).requestId, id };
  }),
  producer(RUN_TAG_DELETED, 'run', async (gw) => {
    const id = await createRun(gw);
    await send(gw, 'POST', `/api/v1/runs/${id}/tags`, 201, { body: { key: 'note', value: 'x' } });
    return { requestId: (await send(gw, 'DELETE', `/api/v1/runs/${id}/tags/note`, 204)).requestId, id };
  }),
  producer(RUN_INPUTS_LOGGED, 'run', async (gw) => {
    const id = await createRun(gw);
    const body = { datasets: [{ name: unique('producer-dataset'), digest: 'a'.repeat(64), context: 'training' }] };
    return { requestId: (await send(gw, 'POST', `/api/v1/runs/${id}/inputs`, 200, { body })).requestId, id };
  }),
  producer(RUN_ARTIFACT_UPLOADED, 'run', async (gw) => {
    // What an MLflow client does with the run's mlflow-artifacts:/ location: PUT through the artifacts proxy.
    const { body } = await send<{ id: string; artifactUri: string }>(gw, 'POST', '/api/v1/runs', 201, { body: { experimentId: await createExperiment(gw) } });
    const requestId = `producer-${randomUUID()}`;
    const key = body.artifactUri.replace(/^s3:\/\/[^/]+\//, '');
    const res = await request(gw, 'PUT', `/api/2.0/mlflow-artifacts/artifacts/${key}/notes.txt`, { raw: 'notes', headers: { 'x-request-id': requestId, 'content-type': 'text/plain' } });
    if (res.status !== 200) throw new Error(`artifact upload answered ${res.status}: ${JSON.stringify(res.body)}`);
    return { requestId, id: body.id };
  }),
  producer(DEPLOYMENT_CREATED, 'deployment', async (gw) => {
    const name = await createOnnxModel(gw);
    const { requestId } = await send(gw, 'POST', '/api/v1/inference/models', 201, { body: { model: name } });
    return { requestId, id: name };
  }),
  producer(DEPLOYMENT_DELETED, 'deployment', async (gw) => {
    const name = await createOnnxModel(gw);
    await send(gw, 'POST', '/api/v1/inference/models', 201, { body: { model: name } });
    return { requestId: (await send(gw, 'DELETE', `/api/v1/inference/models/${name}`, 204)).requestId, id: name };
  }),
];
