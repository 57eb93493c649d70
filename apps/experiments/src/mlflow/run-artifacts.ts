import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { ErrorKind, RUN_ARTIFACT_UPLOADED, RunArtifactUploadedPayload } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { DomainError, MlflowInvalidParameter, withArtifactStore } from '@shipyard/service-kit';
import { ArtifactStore, isStorageError, S3ArtifactStore, StorageErrorCode } from '@shipyard/storage';
import type { Caller } from '../common/caller';
import type { ExperimentsConfig } from '../config';
import { EXPERIMENTS_CONFIG } from '../tokens';

/** Objects the proxy may touch: run artifacts only, never the registry's model artifacts in the same bucket. */
const ROOT = 'experiments/';

export class ArtifactNotFound extends DomainError {
  constructor(path: string) {
    super('ARTIFACT_NOT_FOUND', ErrorKind.NotFound, `artifact "${path}" does not exist`);
  }
}

/** ASCII percent-escapes decoded until none is left (each pass shortens the text, so it ends), as MLflow's server reads a path before judging it. */
function unescapedAscii(text: string): string {
  let out = text;
  for (let prev = ''; prev !== out; ) {
    prev = out;
    out = out.replace(/%([0-7][0-9a-f])/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
  }
  return out;
}

/** A backslash, a NUL or a "." / ".." segment: what could step out of the artifact root wherever the path is used. */
function unsafePath(path: string): boolean {
  return path.includes('\\') || path.includes('\0') || path.split('/').some((s) => s === '.' || s === '..');
}

/**
 * Checks a client's artifact path (relative to the artifact root, percent-decoded once from the URL) and returns
 * it as an object key. A name may hold "%" (the object "a%b"), but no further decoding of the path may step
 * out either ("%2e%2e" sent as "%252e%252e"), as MLflow's server judges paths: nothing downstream meets a "..".
 */
export function artifactKey(path: string, allowRoot = false): string {
  const clean = path.replace(/^\/+/, '').replace(/\/+$/, '');
  if (unsafePath(clean) || unsafePath(unescapedAscii(clean)) || (clean !== '' && clean.split('/').includes(''))) {
    throw new MlflowInvalidParameter(`Invalid path "${path}": it must be relative, without "." or ".." segments`);
  }
  if (allowRoot && clean === '') return '';
  if (!`${clean}/`.startsWith(ROOT)) throw new MlflowInvalidParameter(`Invalid path "${path}": run artifacts live under ${ROOT}`);
  return clean;
}

/** The default layout of a run's artifacts: experiments/<experiment id>/<run id>/artifacts/… */
const RUN_PATH = /^experiments\/([^/]+)\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\//;

export interface ArtifactEntry {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** Run artifacts in S3 as MLflow's artifacts proxy serves them (mlflow-artifacts:/<path> is s3://<bucket>/<path>). */
@Injectable()
export class RunArtifacts {
  private readonly store: ArtifactStore;
  private bucket: Promise<void> | null = null;

  constructor(
    @Inject(EXPERIMENTS_CONFIG) private readonly config: ExperimentsConfig,
    private readonly tx: Transactions,
    private readonly outbox: Outbox,
  ) {
    this.store = new S3ArtifactStore({
      endpoint: config.SHIPYARD_S3_ENDPOINT,
      bucket: config.SHIPYARD_S3_BUCKET,
      accessKey: config.SHIPYARD_S3_ACCESS_KEY,
      secretKey: config.SHIPYARD_S3_SECRET_KEY,
      region: config.SHIPYARD_S3_REGION,
      partSize: config.SHIPYARD_S3_PART_SIZE_MB * 1024 * 1024,
      timeoutMs: config.SHIPYARD_S3_TIMEOUT_S * 1000,
    });
  }

  /**
   * Stores the file, then records it in the outbox (the audit trail's source), naming its bytes by sha256.
   * The event follows the object: when the record fails (the database is down) the caller gets the error
   * and retries, and the object written meanwhile is overwritten by the same file and then recorded.
   */
  async upload(path: string, body: Readable, size: number | undefined, contentType: string | undefined, caller: Caller): Promise<void> {
    const key = artifactKey(path);
    const stored = await withArtifactStore(`uploading ${path}`, async () => {
      await this.ensureBucket();
      return this.store.put(key, body, { ...(size !== undefined ? { size } : {}), ...(contentType ? { contentType } : {}) });
    });
    const run = RUN_PATH.exec(key);
    const payload: RunArtifactUploadedPayload = { path: key, size: stored.size, sha256: stored.sha256, contentType: contentType ?? null, experimentId: run?.[1] ?? null, runId: run?.[2] ?? null };
    await this.tx.run((em) =>
      this.outbox.add(em, {
        subject: RUN_ARTIFACT_UPLOADED,
        actor: caller.actor,
        correlationId: caller.requestId,
        aggregate: payload.runId ? { type: 'run', id: payload.runId } : { type: 'artifact', id: key },
        payload,
      }),
    );
  }

  async download(path: string): Promise<{ body: Readable; size: number }> {
    const key = artifactKey(path);
    return withArtifactStore(`downloading ${path}`, async () => {
      const stat = await this.store.stat(key);
      if (!stat) throw new ArtifactNotFound(path);
      try {
        return { body: await this.store.get(key), size: stat.size };
      } catch (e) {
        if (isStorageError(e, StorageErrorCode.NotFound)) throw new ArtifactNotFound(path);
        throw e;
      }
    });
  }

  /** Direct children of `path`, by base name (MLflow's list-artifacts of the proxy), directories first met. */
  async list(path: string): Promise<ArtifactEntry[]> {
    const key = artifactKey(path, true);
    const prefix = key === '' ? ROOT : `${key}/`;
    const out = new Map<string, ArtifactEntry>();
    return withArtifactStore(`listing ${path || 'the artifact root'}`, async () => {
      try {
        for await (const o of this.store.list(prefix)) {
          const rest = o.key.slice(prefix.length);
          const slash = rest.indexOf('/');
          const name = slash < 0 ? rest : rest.slice(0, slash);
          if (!name || out.has(name)) continue;
          out.set(name, slash < 0 ? { path: name, is_dir: false, file_size: o.size } : { path: name, is_dir: true });
        }
      } catch (e) {
        // No bucket yet: nothing was ever uploaded, so there is nothing to list.
        if (isStorageError(e, StorageErrorCode.BucketNotFound)) return [];
        throw e;
      }
      return [...out.values()].sort((a, b) => a.path.localeCompare(b.path));
    });
  }

  /** mlflow-artifacts:/<path> for locations in this service's bucket, so MLflow clients go through the proxy. */
  mlflowUri(uri: string): string {
    const own = `s3://${this.config.SHIPYARD_S3_BUCKET}/`;
    return uri.startsWith(own) ? `mlflow-artifacts:/${uri.slice(own.length)}` : uri;
  }

  private ensureBucket(): Promise<void> {
    // The registry creates the shared bucket too; whoever is first wins, a failure is retried next time.
    this.bucket ??= this.store.ensureBucket().catch((e: unknown) => {
      this.bucket = null;
      throw e;
    });
    return this.bucket;
  }
}
