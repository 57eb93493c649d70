import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import { ACTOR_HEADER, REQUEST_ID_HEADER } from '@shipyard/contracts';
import type { TestDatabase } from '@shipyard/testing';
import { ExperimentsTestApp, startExperimentsApp } from '../../test/experiments-app';

interface Reply {
  status: number;
  body: Record<string, unknown>;
}

/** The native runs routes over HTTP (fastify inject), on real PostgreSQL and NATS. */
describe('runs API (real PostgreSQL)', () => {
  let t: ExperimentsTestApp;
  let db: TestDatabase;
  let app: NestFastifyApplication;

  beforeAll(async () => {
    t = await startExperimentsApp();
    ({ app, db } = t);
  });

  afterAll(async () => {
    await t?.stop();
  });

  async function call(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, body?: unknown, requestId = randomUUID()): Promise<Reply> {
    // No content type without a body: fastify refuses an empty JSON body.
    const json = body !== undefined ? { headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) } : {};
    const res = await app.inject({ method, url, ...json, headers: { [ACTOR_HEADER]: 'user:int-spec', [REQUEST_ID_HEADER]: requestId, ...json.headers } });
    return { status: res.statusCode, body: res.body ? (JSON.parse(res.body) as Record<string, unknown>) : {} };
  }

  async function newRun(name: string): Promise<string> {
    const experiment = await call('POST', '/api/v1/experiments', { name: `exp-${randomUUID().slice(0, 8)}` });
    const run = await call('POST', '/api/v1/runs', { experimentId: experiment.body.id, name });
    expect(run.status).toBe(201);
    return run.body.id as string;
  }

  const eventsOf = async (requestId: string) => db.query(`SELECT subject FROM experiments.outbox WHERE envelope->>'correlationId' = $1`, [requestId]);

  describe('PATCH /api/v1/runs/{id}', () => {
    it('refuses a deleted run with 409 RUN_DELETED, changing nothing and emitting nothing; once restored, it changes it', async () => {
      const id = await newRun('kept');
      expect((await call('DELETE', `/api/v1/runs/${id}`)).status).toBe(200);
      for (const body of [{ name: 'renamed' }, { status: 'FINISHED' }, { endTime: new Date().toISOString() }, { name: 'kept' }]) {
        const requestId = randomUUID();
        const res = await call('PATCH', `/api/v1/runs/${id}`, body, requestId);
        expect({ body, res }).toEqual({ body, res: { status: 409, body: { error: expect.objectContaining({ code: 'RUN_DELETED', message: expect.stringMatching(/is deleted; restore it/) }) } } });
        expect(await eventsOf(requestId)).toEqual([]);
      }
      expect(await db.query(`SELECT name, status, end_time, lifecycle_stage FROM experiments.runs WHERE id = $1`, [id])).toEqual([{ name: 'kept', status: 'RUNNING', end_time: null, lifecycle_stage: 'deleted' }]);

      expect((await call('POST', `/api/v1/runs/${id}/restore`)).body).toEqual(expect.objectContaining({ name: 'kept', lifecycleStage: 'active' }));
      const requestId = randomUUID();
      const res = await call('PATCH', `/api/v1/runs/${id}`, { name: 'renamed', status: 'FINISHED' }, requestId);
      expect(res).toEqual({ status: 200, body: expect.objectContaining({ name: 'renamed', status: 'FINISHED', endTime: expect.any(String), lifecycleStage: 'active' }) });
      expect(await eventsOf(requestId)).toEqual([{ subject: 'shipyard.experiments.run.updated.v1' }]);
    });

    it('an unknown run is still 404 RUN_NOT_FOUND', async () => {
      const res = await call('PATCH', `/api/v1/runs/${randomUUID()}`, { name: 'x' });
      expect(res).toEqual({ status: 404, body: { error: expect.objectContaining({ code: 'RUN_NOT_FOUND' }) } });
    });
  });
});
