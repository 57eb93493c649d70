import { RunResponse } from '@shipyard/contracts';
import { RunDetail, RunRow } from './runs.repository';

export function durationMs(r: RunRow): number | null {
  return r.end_time ? r.end_time.getTime() - r.start_time.getTime() : null;
}

export function toRunResponse(r: RunDetail): RunResponse {
  return {
    id: r.id,
    experimentId: r.experiment_id,
    name: r.name,
    status: r.status,
    startTime: r.start_time.toISOString(),
    endTime: r.end_time ? r.end_time.toISOString() : null,
    durationMs: durationMs(r),
    userId: r.user_id,
    source: r.source,
    gitCommit: r.git_commit,
    framework: r.framework,
    lifecycleStage: r.lifecycle_stage,
    artifactUri: r.artifact_uri,
    params: r.params,
    tags: r.tags,
    metrics: r.metrics,
    inputs: r.inputs,
  };
}

/** What audit keeps of a run's own fields (not its logged data). */
export function runFields(r: RunRow): Record<string, unknown> {
  return { name: r.name, status: r.status, startTime: r.start_time.toISOString(), endTime: r.end_time?.toISOString() ?? null, lifecycleStage: r.lifecycle_stage };
}
