import { Inject, Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CompleteUploadRequest, ModelSignature, UploadUrlResponse, VersionResponse } from '@shipyard/contracts';
import { Transactions } from '@shipyard/persistence';
import { readFromArtifactStore, RequestContext, withArtifactStore } from '@shipyard/service-kit';
import { ArtifactStore } from '@shipyard/storage';
import { createHash } from 'node:crypto';
import { PassThrough } from 'node:stream';
import { RegistryConfig } from '../config';
import { REGISTRY_CONFIG } from '../tokens';
import { ArtifactRejected, VersionErrorCode, VersionStateError } from '../versions/version.errors';
import { VersionLookup } from '../versions/version.queries';
import { VersionsRepository } from '../versions/versions.repository';
import { UrlSigner } from './artifact-storage';
import { FinalizeUpload } from './finalize-upload';
import { readOnnxSignature } from './onnx-signature';
import { artifactKey, UploadArtifactUseCase } from './upload-artifact.use-case';

/**
 * Large files go straight from the client to S3: the registry hands out a presigned PUT for a fresh key,
 * and on `complete` re-reads the object to check size and sha256 (and the ONNX signature) itself —
 * the client's word is compared, never trusted.
 */
@Injectable()
export class PresignedUploadUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly ds: DataSource,
    private readonly lookup: VersionLookup,
    private readonly versions: VersionsRepository,
    private readonly store: ArtifactStore,
    private readonly signer: UrlSigner,
    private readonly finalize: FinalizeUpload,
    private readonly uploads: UploadArtifactUseCase,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  async createUrl(modelRef: string, rawVersion: string, expiresIn: number | undefined): Promise<UploadUrlResponse> {
    const expiry = Math.min(expiresIn ?? this.config.SHIPYARD_ARTIFACT_URL_EXPIRY_S, 604_800);
    return this.tx.run(async (em) => {
      const { model, version } = await this.lookup.version(em, modelRef, rawVersion, true);
      if (version.status === 'READY') throw new VersionStateError(VersionErrorCode.NotPendingUpload, model.name, version.version, version.status);
      // The pending key is remembered on the version; a newer upload-url replaces it (the last one wins).
      const key = artifactKey(model.id, version.version);
      version.artifactKey = key;
      await this.versions.save(em, version);
      const url = await this.signer.presignedPutUrl(key, expiry);
      return { url, method: 'PUT', expiresAt: new Date(Date.now() + expiry * 1000).toISOString() };
    });
  }

  async complete(modelRef: string, rawVersion: string, cmd: CompleteUploadRequest, ctx: RequestContext): Promise<VersionResponse> {
    const { model, version } = await this.lookup.version(this.ds.manager, modelRef, rawVersion);
    if (version.status === 'READY') throw new VersionStateError(VersionErrorCode.NotPendingUpload, model.name, version.version, version.status);
    const key = version.artifactKey;
    const stat = key ? await withArtifactStore('checking the uploaded artifact', () => this.store.stat(key)) : null;
    if (!key || !stat) throw new ArtifactRejected(VersionErrorCode.UploadMissing, `nothing was uploaded for version ${version.version} of "${model.name}": request an upload URL and PUT the file first`);
    if (stat.size !== cmd.size) {
      const reason = `size mismatch: client says ${cmd.size} bytes, S3 holds ${stat.size}`;
      await this.finalize.failed(model.id, version.version, key, reason, 'presigned', ctx);
      throw new ArtifactRejected(VersionErrorCode.SizeMismatch, reason, { expected: cmd.size, actual: stat.size });
    }
    // One read of the object computes the hash and feeds the ONNX parser.
    const hash = createHash('sha256');
    const source = await withArtifactStore('reading the uploaded artifact', () => this.store.get(key));
    let signatureRead: Promise<ModelSignature> | null = null;
    if (version.framework === 'onnx') {
      const toParser = new PassThrough({ highWaterMark: 1024 * 1024 });
      source.pipe(toParser);
      signatureRead = readOnnxSignature(toParser);
      signatureRead.catch(() => undefined);
    }
    source.on('data', (chunk: Buffer) => hash.update(chunk));
    await readFromArtifactStore('reading the uploaded artifact', source);
    const stored = { sha256: hash.digest('hex'), size: stat.size };
    const signature = await this.uploads.verify(model, version, key, stored, cmd.sha256, signatureRead, 'presigned', ctx);
    return this.finalize.ready(model.id, version.version, { key, size: stored.size, sha256: stored.sha256, contentType: stat.contentType ?? null, signature }, 'presigned', ctx);
  }
}
