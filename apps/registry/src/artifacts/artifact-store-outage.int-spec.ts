import { DataSource } from 'typeorm';
import { CommonErrorCode, ErrorKind } from '@shipyard/contracts';
import { DomainError, RequestContext } from '@shipyard/service-kit';
import { S3ArtifactStore } from '@shipyard/storage';
import { freePort, S3RVER_CREDENTIALS, tcpStandIn, tricklingBody } from '@shipyard/testing';
import { RegistryConfig } from '../config';
import { RunSummaries } from '../gates/run-summaries';
import { ModelEntity } from '../models/model.entity';
import { ResolveVersionResponder } from '../rpc/resolve-version.responder';
import { ModelVersionEntity } from '../versions/model-version.entity';
import { SourceArtifacts } from '../versions/source-artifact';
import { SourcePins } from '../versions/source-pins';
import { VersionLookup } from '../versions/version.queries';
import { VersionsRepository } from '../versions/versions.repository';
import { DownloadArtifact } from './download-artifact';
import { FinalizeUpload } from './finalize-upload';
import { PresignedUploadUseCase } from './presigned-upload.use-case';
import { UploadArtifactUseCase } from './upload-artifact.use-case';

const MiB = 1024 * 1024;
const model = { id: '0193a5b0-0000-7000-8000-0000000000aa', name: 'churn' } as ModelEntity;
const ctx = { requestId: 'req-1', actor: { type: 'user', id: 'u1' }, userId: 'u1', permissions: new Set() } as unknown as RequestContext;
const config = { SHIPYARD_ARTIFACT_MAX_BYTES: 1024 * MiB, SHIPYARD_ARTIFACT_URL_EXPIRY_S: 3600, SHIPYARD_S3_BUCKET: 'shipyard-artifacts' } as RegistryConfig;

/** Records what the use cases ask of the version's state; the database side is covered elsewhere. */
class StandInFinalize {
  failed: string[] = [];
  markFailed(_modelId: string, _n: number, _key: string | null, reason: string): Promise<void> {
    this.failed.push(reason);
    return Promise.resolve();
  }
}

function useCases(store: S3ArtifactStore, version: Partial<ModelVersionEntity>) {
  const v = { version: 1, framework: 'other', status: 'PENDING_UPLOAD', artifactKey: null, artifactSize: null, artifactSha256: null, artifactContentType: null, sourceUri: null, ...version } as ModelVersionEntity;
  const lookup = { version: () => Promise.resolve({ model, version: v }) } as unknown as VersionLookup;
  const ds = { manager: {} } as unknown as DataSource;
  const recorder = new StandInFinalize();
  const finalize = { failed: recorder.markFailed.bind(recorder), ready: () => Promise.reject(new Error('must not become READY')) } as unknown as FinalizeUpload;
  const upload = new UploadArtifactUseCase(ds, lookup, store, finalize, config);
  const download = new DownloadArtifact(ds, lookup, store, store, config);
  const presigned = new PresignedUploadUseCase({} as never, ds, lookup, {} as never, store, store, finalize, upload, config);
  return { upload, download, presigned, recorder, version: v };
}

/** The inference service's resolve RPC for an MLflow-style version (a source URI, no uploaded artifact). */
function resolver(store: S3ArtifactStore, sourceUri: string): ResolveVersionResponder {
  const v = { version: 1, framework: 'other', status: 'READY', stage: 'None', artifactKey: null, artifactSize: null, artifactSha256: null, sourceUri, signature: null } as unknown as ModelVersionEntity;
  const lookup = { model: () => Promise.resolve(model) } as unknown as VersionLookup;
  const versions = { find: () => Promise.resolve(v), view: () => Promise.resolve({ aliases: [] }) } as unknown as VersionsRepository;
  const ds = { manager: {} } as unknown as DataSource;
  const pins = new SourcePins(ds, new SourceArtifacts(store, {} as RunSummaries, config), versions);
  return new ResolveVersionResponder({} as never, ds, lookup, versions, store, pins, config);
}

const storeAt = (port: number) => new S3ArtifactStore({ endpoint: `http://127.0.0.1:${port}`, bucket: 'shipyard-artifacts', ...S3RVER_CREDENTIALS, partSize: 64 * MiB, timeoutMs: 1_500 });

async function domainError(promise: Promise<unknown>): Promise<DomainError> {
  const e: unknown = await promise.then(
    () => null,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DomainError);
  return e as DomainError;
}

function expectUnavailable(e: DomainError): void {
  expect({ code: e.code, kind: e.kind }).toEqual({ code: CommonErrorCode.UpstreamUnavailable, kind: ErrorKind.Unavailable });
  expect(e.message).toMatch(/artifact store is unavailable/);
  expect(e.message).not.toMatch(/127\.0\.0\.1|ECONN|shipyard-artifacts/);
}

describe('artifact use cases when the artifact store (S3) is down', () => {
  it('answers 503 UPSTREAM_UNAVAILABLE, not 500, when S3 refuses connections; the version is left to retry', async () => {
    const store = storeAt(await freePort()); // nothing listens there
    const { upload, recorder, version } = useCases(store, {});
    const meta = { contentLength: 4 * 64 * 1024, contentType: 'application/octet-stream', expectedSha256: null };

    expectUnavailable(await domainError(upload.execute(model, version, tricklingBody(meta.contentLength, { everyMs: 2 }), meta, ctx)));
    expect(recorder.failed).toEqual([]);

    const ready = useCases(store, { status: 'READY', artifactKey: 'models/m/versions/1/a', artifactSize: 3, artifactSha256: 'a'.repeat(64) });
    expectUnavailable(await domainError(ready.download.stream(model.name, '1')));

    const pending = useCases(store, { artifactKey: 'models/m/versions/1/b' });
    expectUnavailable(await domainError(pending.presigned.complete(model.name, '1', { size: 3, sha256: 'a'.repeat(64) }, ctx)));
  });

  it('answers 503, not 400 SIZE_MISMATCH, when S3 dies in the middle of a streamed upload', async () => {
    // Reads the first MiB of the PUT, then drops the connection the way a killed server's kernel does.
    const s3 = await tcpStandIn((socket) => {
      let received = 0;
      socket.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received >= MiB) socket.resetAndDestroy();
      });
    });
    try {
      const { upload, recorder, version } = useCases(storeAt(s3.port), {});
      const size = 16 * MiB;
      const e = await domainError(upload.execute(model, version, tricklingBody(size, { everyMs: 2 }), { contentLength: size, contentType: null, expectedSha256: null }, ctx));
      expectUnavailable(e);
      expect(recorder.failed).toEqual([]);
    } finally {
      await s3.close();
    }
  });

  it('resolving an MLflow-style version (source in the run artifacts) answers 503 when S3 refuses connections', async () => {
    const store = storeAt(await freePort());
    expectUnavailable(await domainError(resolver(store, 's3://shipyard-artifacts/experiments/1/r1/artifacts/model.onnx').resolve({ model: model.name, version: 1, urlExpirySeconds: 60 })));
    expectUnavailable(await domainError(resolver(store, 'mlflow-artifacts:/experiments/1/r1/artifacts/model').resolve({ model: model.name, version: 1, urlExpirySeconds: 60 })));
  });

  it('resolving an MLflow-style version answers 503 when S3 breaks off while its file is read for the digest', async () => {
    // Answers the HEAD (stat) with a 1 MiB object, then sends 10 KiB of the GET and resets the connection.
    const headers = (n: number) => `HTTP/1.1 200 OK\r\nContent-Length: ${n}\r\nETag: "0123"\r\nLast-Modified: ${new Date(0).toUTCString()}\r\nContent-Type: application/octet-stream\r\n\r\n`;
    const s3 = await tcpStandIn((socket) => {
      let pending = '';
      socket.on('data', (chunk: Buffer) => {
        pending += chunk.toString('latin1');
        let end: number;
        while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
          const head = pending.slice(0, end);
          pending = pending.slice(end + 4);
          if (head.startsWith('HEAD ')) socket.write(headers(MiB));
          else {
            socket.write(headers(MiB) + 'x'.repeat(10 * 1024));
            setTimeout(() => socket.resetAndDestroy(), 20);
          }
        }
      });
    });
    try {
      const e = await domainError(resolver(storeAt(s3.port), 's3://shipyard-artifacts/experiments/1/r1/artifacts/model.onnx').resolve({ model: model.name, version: 1, urlExpirySeconds: 60 }));
      expectUnavailable(e);
    } finally {
      await s3.close();
    }
  });

  it('answers 503 within seconds when S3 is frozen (accepts, never answers)', async () => {
    const s3 = await tcpStandIn((socket) => socket.pause());
    try {
      const { upload, version } = useCases(storeAt(s3.port), {});
      const size = 8 * MiB;
      const started = Date.now();
      const outcome = await Promise.race([
        domainError(upload.execute(model, version, tricklingBody(size, { everyMs: 2 }), { contentLength: size, contentType: null, expectedSha256: null }, ctx)),
        new Promise<never>((_, reject) => setTimeout(() => reject(new Error('upload still hanging after 20 s')), 20_000).unref()),
      ]);
      expectUnavailable(outcome);
      expect(Date.now() - started).toBeLessThan(20_000);
    } finally {
      await s3.close();
    }
  }, 60_000);
});
