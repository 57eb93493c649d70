import type { VersionResponse } from '@shipyard/contracts';
import { VersionView } from './model-version.entity';

export function toVersionResponse({ version: v, modelName, aliases }: VersionView): VersionResponse {
  return {
    id: v.id,
    modelId: v.modelId,
    modelName,
    version: v.version,
    status: v.status,
    stage: v.stage,
    aliases,
    framework: v.framework,
    description: v.description,
    tags: v.tags,
    sourceRunId: v.sourceRunId,
    signature: v.signature,
    artifact: v.status === 'READY' && v.artifactSize !== null && v.artifactSha256 !== null ? { size: v.artifactSize, sha256: v.artifactSha256, contentType: v.artifactContentType } : null,
    failureReason: v.failureReason,
    createdBy: v.createdBy,
    createdAt: v.createdAt.toISOString(),
    updatedAt: v.updatedAt.toISOString(),
  };
}

/** Identity of a version as events carry it. */
export function versionRef(view: VersionView): { id: string; modelId: string; modelName: string; version: number } {
  return { id: view.version.id, modelId: view.version.modelId, modelName: view.modelName, version: view.version.version };
}
