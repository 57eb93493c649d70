import { Injectable } from '@nestjs/common';
import { ModelSignature, MODEL_VERSION_READY, MODEL_VERSION_UPLOAD_FAILED, VersionResponse } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { RequestContext } from '@shipyard/service-kit';
import { ArtifactStore } from '@shipyard/storage';
import { ModelVersionEntity } from '../versions/model-version.entity';
import { VersionErrorCode, VersionStateError } from '../versions/version.errors';
import { toVersionResponse, versionRef } from '../versions/version.mapper';
import { VersionLookup } from '../versions/version.queries';
import { VersionsRepository } from '../versions/versions.repository';

export type UploadVia = 'stream' | 'presigned';

export interface StoredArtifact {
  key: string;
  size: number;
  sha256: string;
  contentType: string | null;
  signature: ModelSignature | null;
}

/** The one place a version becomes READY or FAILED: a short transaction after the bytes are in S3. */
@Injectable()
export class FinalizeUpload {
  constructor(
    private readonly tx: Transactions,
    private readonly lookup: VersionLookup,
    private readonly versions: VersionsRepository,
    private readonly outbox: Outbox,
    private readonly store: ArtifactStore,
  ) {}

  /** Locks the version, checks nobody finished first, and records the artifact. */
  async ready(modelId: string, number: number, artifact: StoredArtifact, via: UploadVia, ctx: RequestContext): Promise<VersionResponse> {
    try {
      return await this.tx.run(async (em) => {
        const { model, version } = await this.lookup.version(em, modelId, number, true);
        if (version.status === 'READY') throw new VersionStateError(VersionErrorCode.NotPendingUpload, model.name, number, version.status);
        const before = snapshot(version);
        Object.assign(version, { status: 'READY', artifactKey: artifact.key, artifactSize: artifact.size, artifactSha256: artifact.sha256, artifactContentType: artifact.contentType, signature: artifact.signature, failureReason: null, updatedAt: new Date() });
        await this.versions.save(em, version);
        const view = await this.versions.view(em, model, version);
        await this.outbox.add(em, {
          subject: MODEL_VERSION_READY,
          actor: ctx.actor,
          correlationId: ctx.requestId,
          aggregate: { type: 'model_version', id: version.id },
          payload: { ...versionRef(view), size: artifact.size, sha256: artifact.sha256, via, hasSignature: artifact.signature !== null },
          before,
          after: snapshot(version),
        });
        return toVersionResponse(view);
      });
    } catch (e) {
      // Lost a race with another upload of the same version: our object is nobody's artifact.
      await this.store.delete(artifact.key).catch(() => undefined);
      throw e;
    }
  }

  /** Records why an upload failed (the version stays uploadable) and removes the bytes, if any. */
  async failed(modelId: string, number: number, key: string | null, reason: string, via: UploadVia, ctx: RequestContext): Promise<void> {
    if (key) await this.store.delete(key).catch(() => undefined);
    await this.tx.run(async (em) => {
      const { model, version } = await this.lookup.version(em, modelId, number, true);
      if (version.status === 'READY') return; // another upload made it READY meanwhile; nothing failed for it
      const before = snapshot(version);
      Object.assign(version, { status: 'FAILED', failureReason: reason.slice(0, 1000), artifactKey: null, updatedAt: new Date() });
      await this.versions.save(em, version);
      const view = await this.versions.view(em, model, version);
      await this.outbox.add(em, {
        subject: MODEL_VERSION_UPLOAD_FAILED,
        actor: ctx.actor,
        correlationId: ctx.requestId,
        aggregate: { type: 'model_version', id: version.id },
        payload: { ...versionRef(view), reason: version.failureReason ?? reason, via },
        before,
        after: snapshot(version),
      });
    });
  }
}

function snapshot(v: ModelVersionEntity): Record<string, unknown> {
  return { status: v.status, artifact: v.artifactSha256 ? { size: v.artifactSize, sha256: v.artifactSha256 } : null, failureReason: v.failureReason };
}
