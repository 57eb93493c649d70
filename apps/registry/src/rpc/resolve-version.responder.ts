import { Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ErrorKind, RESOLVE_MODEL_VERSION_RPC } from '@shipyard/contracts';
import { DomainError, RpcServer, withArtifactStore } from '@shipyard/service-kit';
import { z } from 'zod';
import { ArtifactStore } from '@shipyard/storage';
import { RegistryConfig } from '../config';
import { REGISTRY_CONFIG } from '../tokens';
import { ModelVersionEntity } from '../versions/model-version.entity';
import { SourceArtifact } from '../versions/source-artifact';
import { pinOf, SourcePins } from '../versions/source-pins';
import { VersionDeleted, VersionErrorCode, VersionNotFound, VersionStateError } from '../versions/version.errors';
import { VersionLookup } from '../versions/version.queries';
import { VersionsRepository } from '../versions/versions.repository';

type ResolveRequest = z.output<typeof RESOLVE_MODEL_VERSION_RPC.request>;
type ResolveResponse = z.input<typeof RESOLVE_MODEL_VERSION_RPC.response>;

/** Answers `rpc.registry.model_version.resolve.v1`: which READY version a reference means, and a URL to fetch it. */
@Injectable()
export class ResolveVersionResponder implements OnApplicationBootstrap {
  constructor(
    private readonly rpc: RpcServer,
    private readonly ds: DataSource,
    private readonly lookup: VersionLookup,
    private readonly versions: VersionsRepository,
    // Signed against the internal endpoint: the caller is another service inside the deployment.
    private readonly store: ArtifactStore,
    private readonly pins: SourcePins,
    @Inject(REGISTRY_CONFIG) private readonly config: RegistryConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.rpc.handle('registry', RESOLVE_MODEL_VERSION_RPC, (req, requestId) => this.resolve(req, requestId));
  }

  async resolve(req: ResolveRequest, requestId = ''): Promise<ResolveResponse> {
    const em = this.ds.manager;
    const model = await this.lookup.model(em, req.model);
    let version: ModelVersionEntity | null;
    let what: string;
    if (req.version !== undefined) {
      what = `version ${req.version}`;
      version = await this.versions.find(em, model, req.version);
    } else if (req.alias !== undefined) {
      what = `alias "${req.alias}"`;
      const n = await this.versions.versionOfAlias(em, model.id, req.alias);
      version = n === null ? null : await this.versions.find(em, model, n);
    } else {
      what = req.stage !== undefined ? `version in stage ${req.stage}` : 'READY version';
      // The newest READY version (in the stage, if one was asked for).
      const [found] = await this.versions.list(em, model, { status: 'READY', ...(req.stage !== undefined ? { stage: req.stage } : {}), limit: 1 });
      version = found?.version ?? null;
    }
    if (!version) {
      if (req.version !== undefined) {
        // A deleted version is never served, even to a deployment that pinned its number.
        const deletedAt = await this.versions.deletedAt(em, model.id, req.version);
        throw deletedAt ? new VersionDeleted(model.name, req.version, deletedAt) : new VersionNotFound(model.name, req.version);
      }
      throw new DomainError(VersionErrorCode.NotFound, ErrorKind.NotFound, `model "${model.name}" has no ${what}`);
    }
    if (version.status !== 'READY') throw new VersionStateError(VersionErrorCode.NotReady, model.name, version.version, version.status);
    let artifact: SourceArtifact;
    let framework = version.framework;
    const source = version.sourceUri;
    if (source !== null) {
      // An MLflow-style version (registered from a run's artifacts, framework unknown): the ONNX file pinned
      // at registration (or now, on its first resolve), refused if the run artifact no longer holds it.
      const v = version;
      artifact = await withArtifactStore(`locating the ONNX file of version ${version.version} of "${model.name}"`, () => this.pins.servable(model.name, v, source, requestId));
      if (framework === 'other') framework = 'onnx';
    } else {
      const uploaded = pinOf(version);
      if (!uploaded) throw new VersionStateError(VersionErrorCode.NotReady, model.name, version.version, version.status);
      artifact = uploaded;
    }
    const view = await this.versions.view(em, model, version);
    return {
      modelId: model.id,
      modelName: model.name,
      version: version.version,
      stage: version.stage,
      aliases: view.aliases,
      framework,
      signature: version.signature,
      artifact: { ...artifact, url: await withArtifactStore('signing the artifact URL', () => this.store.presignedGetUrl(artifact.key, req.urlExpirySeconds ?? this.config.SHIPYARD_ARTIFACT_URL_EXPIRY_S)) },
    };
  }
}
