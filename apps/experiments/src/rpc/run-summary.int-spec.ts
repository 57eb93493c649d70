import { randomUUID } from 'node:crypto';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { RUN_SUMMARY_RPC } from '@shipyard/contracts';
import { NatsConnector } from '@shipyard/messaging';
import { createServiceApp, DomainError, RpcClient } from '@shipyard/service-kit';
import { TestDatabase, TestNatsServer, waitFor } from '@shipyard/testing';
import { ExperimentsModule } from '../app.module';
import { Caller } from '../common/caller';
import { loadExperimentsConfig } from '../config';
import { LogInputsUseCase } from '../datasets/log-inputs.use-case';
import { CreateExperimentUseCase } from '../experiments/create-experiment.use-case';
import { LogBatchUseCase } from '../metrics/log-batch.use-case';
import { CreateRunUseCase } from '../runs/create-run.use-case';

/** The registry's view of runs: the experiments app in-process, called over a real NATS through RpcClient. */
describe('rpc.experiments.run_summary.v1 (real PostgreSQL and NATS)', () => {
  let db: TestDatabase;
  let nats: TestNatsServer;
  let app: NestFastifyApplication;
  let client: NatsConnector;
  let rpc: RpcClient;
  const caller: Caller = { actor: { type: 'user', id: 'int-spec' }, userId: 'int-spec', requestId: 'int-spec-1' };

  beforeAll(async () => {
    [db, nats] = await Promise.all([TestDatabase.create(), TestNatsServer.start()]);
    const config = loadExperimentsConfig({ SHIPYARD_ENV: 'test', SHIPYARD_DATABASE_URL: db.url, SHIPYARD_NATS_URL: nats.url, SHIPYARD_LOG_LEVEL: 'warn' });
    app = await createServiceApp({ service: 'experiments', title: 'experiments', module: ExperimentsModule.register(config), port: 0, shutdownTimeoutMs: 1000 });
    await app.init();
    client = new NatsConnector({ servers: nats.url, name: 'run-summary-int-spec' });
    await client.connect();
    rpc = new RpcClient(client);
  });

  afterAll(async () => {
    await client?.close();
    await app?.close();
    await nats?.destroy();
    await db?.drop();
  });

  it('summarises runs (params, latest metrics, datasets) and lists unknown ids as missing', async () => {
    // Seeded through the use cases alone: no HTTP involved.
    const experiment = await app.get(CreateExperimentUseCase).execute({ name: 'rpc-gates' }, caller);
    const run = await app.get(CreateRunUseCase).execute({ experimentId: experiment.id, name: 'candidate' }, caller);
    await app.get(LogBatchUseCase).execute(run.id, { metrics: [{ key: 'accuracy', value: 0.91, step: 1 }, { key: 'accuracy', value: 0.94, step: 2 }], params: [{ key: 'optimizer', value: 'adam' }] }, caller);
    await app.get(LogInputsUseCase).execute(run.id, { datasets: [{ name: 'train-set', digest: 'b'.repeat(64), context: 'training' }] }, caller);
    const unknown = randomUUID();

    // The responder subscribes once its NATS connection is up; until then the caller sees UPSTREAM_UNAVAILABLE.
    const reply = await waitFor('run summary reply', async () => {
      try {
        return await rpc.call(RUN_SUMMARY_RPC, { runIds: [run.id, unknown, 'not-a-uuid'] }, { timeoutMs: 1000 });
      } catch (e) {
        if (e instanceof DomainError && e.code === 'UPSTREAM_UNAVAILABLE') return null;
        throw e;
      }
    });
    expect(reply).toEqual({
      runs: [
        {
          id: run.id,
          experimentId: experiment.id,
          experimentName: 'rpc-gates',
          name: 'candidate',
          status: 'RUNNING',
          params: { optimizer: 'adam' },
          metrics: { accuracy: 0.94 },
          datasets: [{ id: expect.any(String), name: 'train-set', digest: 'b'.repeat(64), context: 'training' }],
          artifactUri: `${experiment.artifactLocation}/${run.id}/artifacts`,
        },
      ],
      missing: [unknown, 'not-a-uuid'],
    });
  });

  it('leaves out metrics whose latest value is NaN or infinite (MLflow clients log them; the contract holds finite numbers)', async () => {
    const experiment = await app.get(CreateExperimentUseCase).execute({ name: 'rpc-non-finite' }, caller);
    const run = await app.get(CreateRunUseCase).execute({ experimentId: experiment.id }, caller);
    await app.get(LogBatchUseCase).execute(run.id, { metrics: [{ key: 'loss', value: Number.NaN }, { key: 'grad', value: Number.POSITIVE_INFINITY }, { key: 'accuracy', value: 0.5 }] }, caller);
    const reply = await rpc.call(RUN_SUMMARY_RPC, { runIds: [run.id] }, { timeoutMs: 5000 });
    expect(reply.runs.map((r) => r.metrics)).toEqual([{ accuracy: 0.5 }]);
  });

  it('refuses a request outside the contract with VALIDATION_FAILED', async () => {
    await expect(rpc.call(RUN_SUMMARY_RPC, { runIds: [] })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', kind: 'invalid_input' });
  });
});
