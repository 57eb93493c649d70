import { Inject, Injectable } from '@nestjs/common';
import { withArtifactStore } from '@shipyard/service-kit';
import { Readable } from 'node:stream';
import { DataSource } from 'typeorm';
import { DownloadUrlResponse } from '@shipyard/contracts';
import { ArtifactStore } from '@shipyard/storage';
import { RegistryConfig } from '../config';
import { REGISTRY_CONFIG } from '../tokens';
import { ModelVersionEntity } from '../versions/model-version.entity';
import { VersionErrorCode, VersionStateError } from '../versions/version.errors';
import { VersionLookup } from '../versions/version.queries';
import { UrlSigner } from './artifact-storage';

export interface ArtifactDownload {
  body: Readable;
  size: number;
  sha256: string;
  contentType: string;
  fileName: string;
}

@Injectable()
export class DownloadArtifact {
  constructor(
    private readonly ds: DataSource,
    private readonly lookup: VersionLookup,
    private readonly store: ArtifactStore,
    private readonly signer: UrlSigner,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  private async ready(modelRef: string, rawVersion: string): Promise<{ name: string; version: ModelVersionEntity & { artifactKey: string; artifactSize: number; artifactSha256: string } }> {
    const { model, version } = await this.lookup.version(this.ds.manager, modelRef, rawVersion);
    // A version registered from a source has no uploaded artifact: its pinned file is served to inference
    // only, after resolve checks the run artifact still holds it (SourcePins); here it stays refused.
    if (version.status !== 'READY' || version.sourceUri !== null || version.artifactKey === null || version.artifactSize === null || version.artifactSha256 === null) {
      throw new VersionStateError(VersionErrorCode.NotReady, model.name, version.version, version.status);
    }
    return { name: model.name, version: version as ModelVersionEntity & { artifactKey: string; artifactSize: number; artifactSha256: string } };
  }

  /** The artifact as a stream from S3 (never buffered here). */
  async stream(modelRef: string, rawVersion: string): Promise<ArtifactDownload> {
    const { name, version } = await this.ready(modelRef, rawVersion);
    const body = await withArtifactStore('reading the artifact', () => this.store.get(version.artifactKey));
    const ext = version.framework === 'onnx' ? '.onnx' : '.bin';
    return { body, size: version.artifactSize, sha256: version.artifactSha256, contentType: version.artifactContentType ?? 'application/octet-stream', fileName: `${name}-v${version.version}${ext}` };
  }

  async url(modelRef: string, rawVersion: string, expiresIn: number | undefined): Promise<DownloadUrlResponse> {
    const { version } = await this.ready(modelRef, rawVersion);
    const expiry = Math.min(expiresIn ?? this.config.SHIPYARD_ARTIFACT_URL_EXPIRY_S, 604_800);
    const url = await this.signer.presignedGetUrl(version.artifactKey, expiry);
    return { url, expiresAt: new Date(Date.now() + expiry * 1000).toISOString(), size: version.artifactSize, sha256: version.artifactSha256 };
  }
}
