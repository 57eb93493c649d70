import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { ErrorKind, ModelSignature, VersionResponse } from '@shipyard/contracts';
import { DomainError, RequestContext, storeUnavailable } from '@shipyard/service-kit';
import { ArtifactStore, isStorageError, StorageErrorCode } from '@shipyard/storage';
import { RegistryConfig } from '../config';
import { REGISTRY_CONFIG } from '../tokens';
import { ModelEntity } from '../models/model.entity';
import { ModelVersionEntity } from '../versions/model-version.entity';
import { ArtifactRejected, VersionErrorCode, VersionStateError } from '../versions/version.errors';
import { VersionLookup } from '../versions/version.queries';
import { FinalizeUpload } from './finalize-upload';
import { InvalidOnnxModel, readOnnxSignature } from './onnx-signature';

export interface UploadMeta {
  contentLength: number | null;
  contentType: string | null;
  /** The client's x-content-sha256, when it sent one. */
  expectedSha256: string | null;
}

/** Where an upload attempt's bytes go: a fresh key per attempt, so a failed attempt never touches a READY artifact. */
export function artifactKey(modelId: string, version: number): string {
  return `models/${modelId}/versions/${version}/${randomUUID()}`;
}

/**
 * Streams an artifact from the request into S3 (memory bounded by the S3 part size), hashing it on the
 * way and, for ONNX, reading its signature from a tee of the same bytes. The version becomes READY only
 * after the bytes are stored and checked; a rejected upload (size, checksum, not ONNX, interrupted by the
 * client) leaves it FAILED with the reason and no object. An unavailable store is not the version's
 * failure: its status is left as it was and the client gets a 503 to retry.
 */
@Injectable()
export class UploadArtifactUseCase {
  private readonly logger = new Logger('artifacts');

  constructor(
    private readonly ds: DataSource,
    private readonly lookup: VersionLookup,
    private readonly store: ArtifactStore,
    private readonly finalize: FinalizeUpload,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  /** Checks the version can take an upload; throws before a byte is read otherwise. */
  async precheck(modelRef: string, rawVersion: string, meta: UploadMeta): Promise<{ model: ModelEntity; version: ModelVersionEntity }> {
    const found = await this.lookup.version(this.ds.manager, modelRef, rawVersion);
    if (found.version.status === 'READY') throw new VersionStateError(VersionErrorCode.NotPendingUpload, found.model.name, found.version.version, found.version.status);
    if (meta.contentLength === null) throw new DomainError(VersionErrorCode.LengthRequired, ErrorKind.InvalidInput, 'send the artifact with a Content-Length header (or use the presigned upload flow)');
    if (meta.contentLength > this.config.SHIPYARD_ARTIFACT_MAX_BYTES) throw new DomainError('ARTIFACT_TOO_LARGE', ErrorKind.PayloadTooLarge, `artifact of ${meta.contentLength} bytes exceeds the limit of ${this.config.SHIPYARD_ARTIFACT_MAX_BYTES}`);
    return found;
  }

  async execute(model: ModelEntity, version: ModelVersionEntity, body: Readable, meta: UploadMeta, ctx: RequestContext): Promise<VersionResponse> {
    const key = artifactKey(model.id, version.version);
    const size = meta.contentLength ?? 0;
    const toStore = new PassThrough({ highWaterMark: 1024 * 1024 });
    let signatureRead: Promise<ModelSignature> | null = null;
    if (version.framework === 'onnx') {
      const toParser = new PassThrough({ highWaterMark: 1024 * 1024 });
      body.pipe(toParser);
      signatureRead = readOnnxSignature(toParser);
      signatureRead.catch(() => undefined); // awaited below; a rejection must not go unhandled meanwhile
    }
    body.pipe(toStore);
    body.once('error', (e) => toStore.destroy(e));

    let stored: { sha256: string; size: number };
    try {
      stored = await this.store.put(key, toStore, { size, contentType: meta.contentType ?? 'application/octet-stream' });
    } catch (e) {
      const unavailable = storeUnavailable(e, 'storing the artifact');
      if (unavailable) {
        // Nothing is wrong with this version or its bytes: leave its status as it was (PENDING_UPLOAD stays
        // PENDING_UPLOAD, no UPLOAD_FAILED event) and answer 503 so that the client retries the same PUT.
        // A store that failed after taking every byte may hold the object under this attempt's key: drop it
        // in the background, without holding the response for a store that may not answer.
        void this.store.delete(key).catch(() => undefined);
        throw unavailable;
      }
      const rejected = isStorageError(e, StorageErrorCode.SizeMismatch) || isStorageError(e, StorageErrorCode.SourceFailed);
      if (!rejected) this.logger.error(`storing ${key} failed: ${(e as Error).message}`);
      const reason = isStorageError(e, StorageErrorCode.SizeMismatch) ? `received a different number of bytes than Content-Length (${size})` : isStorageError(e, StorageErrorCode.SourceFailed) ? 'the upload was interrupted' : 'storing the artifact failed (internal error)';
      await this.finalize.failed(model.id, version.version, key, reason, 'stream', ctx);
      if (rejected) throw new ArtifactRejected(VersionErrorCode.SizeMismatch, reason);
      throw e;
    }
    const signature = await this.verify(model, version, key, stored, meta.expectedSha256, signatureRead, 'stream', ctx);
    return this.finalize.ready(model.id, version.version, { key, size: stored.size, sha256: stored.sha256, contentType: meta.contentType, signature }, 'stream', ctx);
  }

  /** Checks the hash the client claimed and, for ONNX, that the file parses; fails the version otherwise. */
  async verify(model: ModelEntity, version: ModelVersionEntity, key: string, stored: { sha256: string; size: number }, expectedSha256: string | null, signatureRead: Promise<ModelSignature> | null, via: 'stream' | 'presigned', ctx: RequestContext): Promise<ModelSignature | null> {
    if (expectedSha256 !== null && expectedSha256 !== stored.sha256) {
      const reason = `sha256 mismatch: expected ${expectedSha256}, received ${stored.sha256}`;
      await this.finalize.failed(model.id, version.version, key, reason, via, ctx);
      throw new ArtifactRejected(VersionErrorCode.ChecksumMismatch, reason, { expected: expectedSha256, actual: stored.sha256, size: stored.size });
    }
    if (!signatureRead) return null;
    try {
      return await signatureRead;
    } catch (e) {
      const reason = e instanceof InvalidOnnxModel ? `framework is onnx but the artifact is not a valid ONNX model: ${e.message}` : `reading the ONNX signature failed: ${(e as Error).message}`;
      await this.finalize.failed(model.id, version.version, key, reason, via, ctx);
      throw new ArtifactRejected(VersionErrorCode.InvalidOnnx, reason);
    }
  }
}
