import { Readable } from 'node:stream';
import { CommonErrorCode, ErrorKind } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { DomainError } from '@shipyard/service-kit';
import { freePort, S3RVER_CREDENTIALS, tcpStandIn } from '@shipyard/testing';
import type { ExperimentsConfig } from '../config';
import { RunArtifacts } from './run-artifacts';

/** The upload fails at S3 here: reaching the database at all would be the bug. */
const unreachable = new Proxy(
  {},
  {
    get: () => {
      throw new Error('the outbox must not be written when S3 failed');
    },
  },
);
const caller = { actor: { type: 'user' as const, id: 'u' }, requestId: 'r', userId: 'u' };

const artifactsAt = (port: number) =>
  new RunArtifacts(
    {
    SHIPYARD_S3_ENDPOINT: `http://127.0.0.1:${port}`,
    SHIPYARD_S3_BUCKET: 'shipyard-artifacts',
    SHIPYARD_S3_ACCESS_KEY: S3RVER_CREDENTIALS.accessKey,
    SHIPYARD_S3_SECRET_KEY: S3RVER_CREDENTIALS.secretKey,
    SHIPYARD_S3_REGION: 'us-east-1',
    SHIPYARD_S3_PART_SIZE_MB: 64,
    SHIPYARD_S3_TIMEOUT_S: 1,
    } as ExperimentsConfig,
    unreachable as Transactions,
    unreachable as Outbox,
  );

async function unavailable(promise: Promise<unknown>): Promise<void> {
  const e: unknown = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainError);
  const d = e as DomainError;
  expect({ code: d.code, kind: d.kind }).toEqual({ code: CommonErrorCode.UpstreamUnavailable, kind: ErrorKind.Unavailable });
  expect(d.message).toMatch(/artifact store is unavailable/);
  expect(d.message).not.toMatch(/127\.0\.0\.1|ECONN|shipyard-artifacts/);
}

/** MLflow's artifacts proxy (list, download, upload) when S3 is down: 503 TEMPORARILY_UNAVAILABLE, not a 500. */
describe('run artifacts when the artifact store (S3) is down', () => {
  it('list, download and upload answer 503 UPSTREAM_UNAVAILABLE when S3 refuses connections', async () => {
    const artifacts = artifactsAt(await freePort()); // nothing listens there
    await unavailable(artifacts.list('experiments/1/r1/artifacts'));
    await unavailable(artifacts.download('experiments/1/r1/artifacts/model.onnx'));
    await unavailable(artifacts.upload('experiments/1/r1/artifacts/a.txt', Readable.from([Buffer.from('abc')]), 3, 'text/plain', caller));
  });

  it('list and download answer 503 within seconds when S3 is frozen (accepts, never answers)', async () => {
    const s3 = await tcpStandIn((socket) => socket.pause());
    try {
      const artifacts = artifactsAt(s3.port);
      await unavailable(artifacts.list('experiments/1/r1/artifacts'));
      await unavailable(artifacts.download('experiments/1/r1/artifacts/model.onnx'));
    } finally {
      await s3.close();
    }
  }, 30_000);
});
