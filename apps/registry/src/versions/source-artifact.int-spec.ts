import { createHash } from 'node:crypto';
import { ErrorKind, RunSummary } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';
import { S3ArtifactStore } from '@shipyard/storage';
import { S3RVER_CREDENTIALS, TestS3Server } from '@shipyard/testing';
import { loadRegistryConfig } from '../config';
import type { RunLookup, RunSummaries } from '../gates/run-summaries';
import { SourceArtifacts } from './source-artifact';

const BUCKET = 'shipyard-artifacts';
const RUN = '0193a5b0-0000-7000-8000-000000000001';
const RUN_DIR = `experiments/exp-1/${RUN}/artifacts`;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** The experiments service as the registry sees it (its RPC is covered by run-summary.int-spec). */
class StandInRuns {
  down = false;
  lookup(runIds: Array<string | null>): Promise<RunLookup[]> {
    return Promise.resolve(
      runIds.map((id): RunLookup => {
        if (id === null) return { kind: 'no_run' };
        if (this.down) return { kind: 'unavailable', runId: id, reason: 'experiments service unavailable' };
        if (id !== RUN) return { kind: 'missing', runId: id };
        const run: RunSummary = { id, experimentId: 'exp-1', experimentName: 'e', name: null, status: 'FINISHED', params: {}, metrics: {}, datasets: [], artifactUri: `s3://${BUCKET}/${RUN_DIR}` };
        return { kind: 'found', run };
      }),
    );
  }
}

describe('SourceArtifacts: the ONNX file an MLflow-style version points at (real S3 API: s3rver)', () => {
  let s3: TestS3Server;
  let store: S3ArtifactStore;
  let runs: StandInRuns;
  let sources: SourceArtifacts;
  const onnx = Buffer.from('pretend this is an ONNX graph');

  const put = (key: string, body: Buffer | string) => {
    const b = Buffer.from(body);
    return store.put(key, b, { size: b.length });
  };
  const refusal = async (source: string) => {
    const e: unknown = await sources.locate(source, 'req-1').then(
      () => null,
      (err: unknown) => err,
    );
    expect(e).toBeInstanceOf(DomainError);
    return e as DomainError;
  };

  beforeAll(async () => {
    s3 = await TestS3Server.start();
    store = new S3ArtifactStore({ endpoint: s3.endpoint, bucket: BUCKET, ...S3RVER_CREDENTIALS, partSize: 64 * 1024 * 1024 });
    await store.ensureBucket();
    runs = new StandInRuns();
    sources = new SourceArtifacts(store, runs as unknown as RunSummaries, loadRegistryConfig({ ...s3.env(BUCKET) }));
    await put(`${RUN_DIR}/model/model.onnx`, onnx);
    await put(`${RUN_DIR}/model/MLmodel`, 'flavors: {onnx: {}}\n');
    await put(`${RUN_DIR}/two/a.onnx`, 'a');
    await put(`${RUN_DIR}/two/b.onnx`, 'b');
    await put(`${RUN_DIR}/nested/model.onnx`, onnx);
    await put(`${RUN_DIR}/nested/extra/other.onnx`, 'other');
    await put(`${RUN_DIR}/empty/readme.txt`, 'no model');
    await put('models/m/1/model.onnx', onnx);
  });

  afterAll(async () => {
    await s3?.stop();
  });

  it('finds the ONNX file of an MLflow model directory from runs:/, and from the run artifacts\' own URIs', async () => {
    const expected = { key: `${RUN_DIR}/model/model.onnx`, size: onnx.length, sha256: sha256(onnx) };
    expect(await sources.locate(`runs:/${RUN}/model`, 'req-1')).toEqual(expected);
    expect(await sources.locate(`runs:/${RUN}/model/model.onnx`, 'req-1')).toEqual(expected);
    expect(await sources.locate(`s3://${BUCKET}/${RUN_DIR}/model/`, 'req-1')).toEqual(expected);
    expect(await sources.locate(`mlflow-artifacts:/${RUN_DIR}/model`, 'req-1')).toEqual(expected);
    // Several .onnx files: model.onnx at the top of the directory is the model.
    expect((await sources.locate(`runs:/${RUN}/nested`, 'req-1')).key).toBe(`${RUN_DIR}/nested/model.onnx`);
  });

  it('hashes the object as it is now: a replaced file gets its new digest', async () => {
    const key = `${RUN_DIR}/swap/model.onnx`;
    await put(key, 'first');
    expect((await sources.locate(`runs:/${RUN}/swap`, 'req-1')).sha256).toBe(sha256(Buffer.from('first')));
    await put(key, 'second version');
    expect(await sources.locate(`runs:/${RUN}/swap`, 'req-1')).toEqual({ key, size: 14, sha256: sha256(Buffer.from('second version')) });
  });

  it('reads an object once for concurrent resolves of it', async () => {
    const key = `${RUN_DIR}/shared/model.onnx`;
    await put(key, 'shared weights');
    const reads: string[] = [];
    const get = store.get.bind(store);
    jest.spyOn(store, 'get').mockImplementation((k, range) => {
      reads.push(k);
      return get(k, range);
    });
    try {
      const all = await Promise.all(Array.from({ length: 5 }, () => sources.locate(`runs:/${RUN}/shared`, 'req-1')));
      expect(new Set(all.map((a) => a.sha256))).toEqual(new Set([sha256(Buffer.from('shared weights'))]));
      await sources.locate(`runs:/${RUN}/shared`, 'req-1');
      expect(reads).toEqual([key]);
    } finally {
      jest.restoreAllMocks();
    }
  });

  it('refuses sources it cannot serve, saying why', async () => {
    const cases: Array<[string, string]> = [
      [`runs:/${RUN}/empty`, `no .onnx file under ${RUN_DIR}/empty`],
      [`runs:/${RUN}/two`, `several .onnx files under ${RUN_DIR}/two (${RUN_DIR}/two/a.onnx, ${RUN_DIR}/two/b.onnx)`],
      ['runs:/0193a5b0-0000-7000-8000-00000000dead/model', 'run 0193a5b0-0000-7000-8000-00000000dead does not exist'],
      [`s3://${BUCKET}/models/m/1/model.onnx`, 'only run artifacts (experiments/…) can be served, not models/m/1/model.onnx'],
      [`s3://someone-elses-bucket/${RUN_DIR}/model`, `only run artifacts in s3://${BUCKET}/experiments/`],
      [`mlflow-artifacts:/${RUN_DIR}/../../../models/m/1`, 'only run artifacts'],
      ['https://example.com/model.onnx', 'only run artifacts'],
    ];
    for (const [source, why] of cases) {
      const e = await refusal(source);
      expect({ source, kind: e.kind, message: e.message }).toEqual({ source, kind: ErrorKind.Conflict, message: expect.stringContaining(why) });
    }
  });

  it('says the experiments service is unavailable (retryable) rather than that the run is missing', async () => {
    runs.down = true;
    try {
      const e = await refusal(`runs:/${RUN}/model`);
      expect(e.kind).toBe(ErrorKind.Unavailable);
      expect(e.message).toContain('experiments service unavailable');
    } finally {
      runs.down = false;
    }
  });
});
