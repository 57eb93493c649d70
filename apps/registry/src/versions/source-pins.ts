import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DomainError, withArtifactStore } from '@shipyard/service-kit';
import { StorageError } from '@shipyard/storage';
import { ModelVersionEntity } from './model-version.entity';
import { SourceArtifact, SourceArtifacts } from './source-artifact';
import { VersionDeleted, VersionSourceChanged } from './version.errors';
import { VersionsRepository } from './versions.repository';

/**
 * What a version registered from a source URI serves: the ONNX file its source held when the version was
 * registered, not whatever the run artifact holds later (anyone with experiments:write can overwrite it
 * through the artifacts proxy, after the version was reviewed and promoted). The file's key, size and
 * sha256 are pinned on the version row (artifact_key/size/sha256, as an upload records them) the first
 * time they are known: at creation when the source already holds its ONNX file, else at the first resolve.
 * From then on the object must still hold those bytes, or the version is refused (VERSION_SOURCE_CHANGED).
 *
 * Pinning emits no event: it records what the version was registered with (the created event carries it
 * when known then), it is no one's edit, and the inference service's resolve that may trigger it is a read.
 */
@Injectable()
export class SourcePins {
  private readonly logger = new Logger('source-pins');

  constructor(
    private readonly ds: DataSource,
    private readonly sources: SourceArtifacts,
    private readonly versions: VersionsRepository,
  ) {}

  /**
   * The ONNX file `source` holds now, hashed, for a version being registered; null when there is none (the
   * version is created all the same, unservable) or it cannot be read now (it is then pinned at its first resolve).
   */
  async atRegistration(source: string, requestId: string): Promise<SourceArtifact | null> {
    try {
      return await withArtifactStore(`hashing the ONNX file of ${source}`, () => this.sources.locate(source, requestId));
    } catch (e) {
      if (!(e instanceof DomainError) && !(e instanceof StorageError)) throw e;
      this.logger.log(`source ${source} not pinned at registration (${e.message}); its first resolve pins it`);
      return null;
    }
  }

  /** The pinned file of a READY source version, after checking the object still holds it; pins it on the first call. */
  async servable(modelName: string, version: ModelVersionEntity, source: string, requestId: string): Promise<SourceArtifact> {
    let pinned = pinOf(version);
    if (!pinned) {
      const located = await this.sources.locate(source, requestId);
      const row = await this.versions.pinSourceArtifact(this.ds.manager, version.id, located);
      if (row.deletedAt) throw new VersionDeleted(modelName, version.version, row.deletedAt);
      if (!row.pinned) throw new Error(`version ${version.id} is neither pinned nor deleted after pinning`);
      pinned = row.pinned;
      Object.assign(version, { artifactKey: pinned.key, artifactSize: pinned.size, artifactSha256: pinned.sha256 });
      if (sameFile(pinned, located)) return pinned;
      // A concurrent first resolve pinned something else: the object is checked against that pin like any other.
    }
    const now = await this.sources.current(pinned.key);
    if (!now || now.size !== pinned.size || now.sha256 !== pinned.sha256) throw new VersionSourceChanged(modelName, version.version, pinned, now);
    return pinned;
  }
}

function sameFile(a: SourceArtifact, b: SourceArtifact): boolean {
  return a.key === b.key && a.size === b.size && a.sha256 === b.sha256;
}

/** The artifact recorded on a version (uploaded, or a source's pin), when all three columns are set. */
export function pinOf(v: ModelVersionEntity): SourceArtifact | null {
  return v.artifactKey && v.artifactSize !== null && v.artifactSha256 ? { key: v.artifactKey, size: v.artifactSize, sha256: v.artifactSha256 } : null;
}
