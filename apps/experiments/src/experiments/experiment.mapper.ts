import { ExperimentResponse, TagInput } from '@shipyard/contracts';
import { Experiment } from './experiments.repository';

export function toExperimentResponse(e: Experiment): ExperimentResponse {
  return {
    id: e.id,
    name: e.name,
    description: e.description,
    artifactLocation: e.artifact_location,
    lifecycleStage: e.lifecycle_stage,
    tags: e.tags,
    ownerId: e.owner_id,
    createdAt: e.created_at.toISOString(),
    updatedAt: e.updated_at.toISOString(),
  };
}

/** Later entries win, as if each tag had been set in turn. */
export function tagRecord(tags: readonly TagInput[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of tags ?? []) out[t.key] = t.value;
  return out;
}
