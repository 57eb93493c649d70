import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import { CommonErrorCode, ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';
import { ArtifactStat, ArtifactStore, StorageError, StorageErrorCode } from '@shipyard/storage';
import type { RegistryConfig } from '../config';
import { RunSummaries } from '../gates/run-summaries';
import { REGISTRY_CONFIG } from '../tokens';

/** The ONNX file a version's source points at, in the registry's bucket. */
export interface SourceArtifact {
  key: string;
  size: number;
  sha256: string;
}

export enum SourceErrorCode {
  Unservable = 'VERSION_SOURCE_UNSERVABLE',
}

/** Run artifacts (what the experiments service stores) are the only objects a source may point at. */
const RUN_ARTIFACTS = 'experiments/';
const MODEL_FILE = 'model.onnx';

class Unservable extends DomainError<SourceErrorCode> {
  constructor(source: string, why: string) {
    super(SourceErrorCode.Unservable, ErrorKind.Conflict, `the version's source ${source} cannot be served: ${why}`);
  }
}

/**
 * MLflow-style versions carry no uploaded artifact, only a source URI: `runs:/<run id>/<path>` (what
 * `mlflow.register_model` sends), or the run artifacts' own `s3://<bucket>/experiments/…` /
 * `mlflow-artifacts:/experiments/…` URI. This finds the ONNX file there: the object itself when the
 * path names a `.onnx` file, else the one `.onnx` file under it (`model.onnx` when there are several,
 * as an MLflow model directory holds it), and its size and sha256, so the inference service can fetch
 * and verify it like an uploaded artifact. The digest is computed once per object version (etag); a
 * large file's first resolve may outlast the caller's timeout, and a retry then finds the read under way.
 * This reports the file as it is now; what a version serves is pinned on it (SourcePins).
 */
@Injectable()
export class SourceArtifacts {
  private readonly digests = new Map<string, { tag: string; sha256: string }>();
  private readonly hashing = new Map<string, Promise<string>>();

  constructor(
    private readonly store: ArtifactStore,
    private readonly runs: RunSummaries,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  async locate(source: string, requestId: string): Promise<SourceArtifact> {
    const prefix = this.keyOf(source, await this.runArtifactsUri(source, requestId));
    const { key, stat } = await this.onnxUnder(source, prefix);
    return { key, size: stat.size, sha256: await this.digest(key, stat) };
  }

  /** What the object `key` holds now (null when it is gone): how a pinned version's file is checked, one stat when unchanged. */
  async current(key: string): Promise<{ size: number; sha256: string } | null> {
    const stat = await this.store.stat(key);
    return stat ? { size: stat.size, sha256: await this.digest(key, stat) } : null;
  }

  private async digest(key: string, stat: ArtifactStat): Promise<string> {
    const tag = `${stat.etag ?? ''}:${stat.size}:${stat.lastModified.getTime()}`;
    const known = this.digests.get(key);
    if (known?.tag === tag) return known.sha256;
    // One read per object version, however many resolves (replicas, retries after a timeout) ask meanwhile.
    const id = `${key}\n${tag}`;
    let hashing = this.hashing.get(id);
    if (!hashing) {
      hashing = this.hash(key).finally(() => this.hashing.delete(id));
      this.hashing.set(id, hashing);
    }
    const sha256 = await hashing;
    if (this.digests.size >= 1000) this.digests.clear();
    this.digests.set(key, { tag, sha256 });
    return sha256;
  }

  private async hash(key: string): Promise<string> {
    const hash = createHash('sha256');
    const body = await this.store.get(key);
    try {
      for await (const chunk of body) hash.update(chunk as Buffer);
    } catch (e) {
      // The object was there (stat, get); a read that breaks midway is the store's failure, not the source's.
      throw new StorageError(StorageErrorCode.Unavailable, `reading ${key} broke off: ${(e as Error).message}`, key, { cause: e });
    }
    return hash.digest('hex');
  }

  /** `runs:/<id>/<path>` → the run's artifact URI joined with the path; other URIs as they are. */
  private async runArtifactsUri(source: string, requestId: string): Promise<string> {
    const m = /^runs:\/+([^/]+)(?:\/(.*))?$/.exec(source);
    if (!m) return source;
    const [, runId = '', path = ''] = m;
    const [lookup] = await this.runs.lookup([runId], requestId);
    if (lookup?.kind === 'unavailable') throw new DomainError(CommonErrorCode.UpstreamUnavailable, ErrorKind.Unavailable, `cannot resolve ${source}: ${lookup.reason}`);
    if (lookup?.kind !== 'found') throw new Unservable(source, `run ${runId} does not exist`);
    if (!lookup.run.artifactUri) throw new Unservable(source, 'the experiments service did not say where the run keeps its artifacts');
    return `${lookup.run.artifactUri.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`.replace(/\/+$/, '');
  }

  /** The object key a run-artifact URI names in this registry's bucket. */
  private keyOf(source: string, uri: string): string {
    const bucket = this.config.SHIPYARD_S3_BUCKET;
    let key: string;
    if (uri.startsWith(`s3://${bucket}/`)) key = uri.slice(`s3://${bucket}/`.length);
    else if (uri.startsWith('mlflow-artifacts:/')) key = uri.slice('mlflow-artifacts:/'.length).replace(/^\/+/, '');
    else throw new Unservable(source, `only run artifacts in s3://${bucket}/${RUN_ARTIFACTS} (or mlflow-artifacts:/${RUN_ARTIFACTS}) can be served, not ${uri}`);
    const segments = key.split('/');
    if (!key.startsWith(RUN_ARTIFACTS) || segments.some((s) => s === '..' || s === '.')) throw new Unservable(source, `only run artifacts (${RUN_ARTIFACTS}…) can be served, not ${key}`);
    return key.replace(/\/+$/, '');
  }

  /** The ONNX object `key` names or holds, with its stat (one per object looked at). */
  private async onnxUnder(source: string, key: string): Promise<{ key: string; stat: ArtifactStat }> {
    if (key.toLowerCase().endsWith('.onnx')) {
      const stat = await this.store.stat(key);
      if (stat) return { key, stat };
    }
    const found: string[] = [];
    for await (const o of this.store.list(`${key}/`)) if (o.key.toLowerCase().endsWith('.onnx')) found.push(o.key);
    const chosen = found.length === 1 ? found[0] : found.find((k) => k === `${key}/${MODEL_FILE}`);
    if (chosen === undefined) {
      if (found.length === 0) throw new Unservable(source, `no .onnx file under ${key}`);
      throw new Unservable(source, `several .onnx files under ${key} (${found.slice(0, 5).join(', ')}) and none is ${key}/${MODEL_FILE}`);
    }
    const stat = await this.store.stat(chosen);
    if (!stat) throw new Unservable(source, `${chosen} disappeared while it was looked up`);
    return { key: chosen, stat };
  }
}
