import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { ACTOR_HEADER } from '@shipyard/contracts';
import { ExperimentsTestApp, startExperimentsApp } from '../../test/experiments-app';

interface Reply {
  status: number;
  body: { error?: { code: string; message: string; details?: unknown }; error_code?: string; message?: string } & Record<string, unknown>;
}

/**
 * Numbers a client sends must fit the columns they land in (bigint steps and timestamps, timestamptz run
 * times): a number too large is the client's mistake, a 400 naming the field, never PostgreSQL's 500.
 */
describe('numeric fields of the experiments API are bounded (real PostgreSQL)', () => {
  let t: ExperimentsTestApp;
  let app: NestFastifyApplication;
  let runId: string;
  let experimentId: string;
  const HUGE = '99999999999999999999';

  beforeAll(async () => {
    t = await startExperimentsApp();
    ({ app } = t);
    experimentId = (await call('POST', '/api/v1/experiments', { name: `bounds-${randomUUID().slice(0, 8)}` })).body.id as string;
    runId = (await call('POST', '/api/v1/runs', { experimentId })).body.id as string;
    expect((await call('POST', `/api/v1/runs/${runId}/metrics`, { key: 'accuracy', value: 0.5, step: 3 })).status).toBe(201);
  });

  afterAll(async () => {
    await t?.stop();
  });

  async function call(method: 'GET' | 'POST', url: string, body?: unknown): Promise<Reply> {
    const res = await app.inject({ method, url, headers: { [ACTOR_HEADER]: 'user:int-spec', 'content-type': 'application/json' }, ...(body !== undefined ? { payload: typeof body === 'string' ? body : JSON.stringify(body) } : {}) });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Reply['body']) : {} };
  }

  /** 400 VALIDATION_FAILED whose details name the field. */
  function expectFieldRefused(res: Reply, field: string): void {
    expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    expect(JSON.stringify(res.body.error?.details)).toContain(field);
  }

  it.each(['minStep', 'maxStep'])('metric-history ?%s beyond what a bigint step can hold → 400 naming it', async (field) => {
    expectFieldRefused(await call('GET', `/api/v1/runs/${runId}/metric-history?key=accuracy&${field}=${HUGE}`), field);
    expectFieldRefused(await call('GET', `/api/v1/runs/${runId}/metric-history?key=accuracy&${field}=-${HUGE}`), field);
    // The widest range a step can take still answers.
    const res = await call('GET', `/api/v1/runs/${runId}/metric-history?key=accuracy&minStep=${Number.MIN_SAFE_INTEGER}&maxStep=${Number.MAX_SAFE_INTEGER}`);
    expect({ status: res.status, items: res.body.items }).toEqual({ status: 200, items: [expect.objectContaining({ value: 0.5, step: 3 })] });
  });

  it('a dataset rowCount beyond a bigint → 400 naming it', async () => {
    const dataset = { name: 'rows', digest: 'abc', context: 'training' };
    expectFieldRefused(await call('POST', `/api/v1/runs/${runId}/inputs`, `{"datasets":[{"name":"${dataset.name}","digest":"${dataset.digest}","context":"${dataset.context}","rowCount":${HUGE}}]}`), 'rowCount');
  });

  it.each([
    ['start_time', () => ({ experiment_id: experimentId, start_time: 9_000_000_000_000_000 }), 'runs/create'],
    ['start_time', () => ({ experiment_id: experimentId, start_time: -9_000_000_000_000_000 }), 'runs/create'],
    ['end_time', () => ({ run_id: runId, end_time: 9_000_000_000_000_000 }), 'runs/update'],
  ] as const)('MLflow %s outside what a time can be → 400 INVALID_PARAMETER_VALUE naming it', async (field, body, route) => {
    const res = await call('POST', `/api/2.0/mlflow/${route}`, body());
    expect({ status: res.status, code: res.body.error_code }).toEqual({ status: 400, code: 'INVALID_PARAMETER_VALUE' });
    expect(res.body.message).toContain(field);
  });
});
