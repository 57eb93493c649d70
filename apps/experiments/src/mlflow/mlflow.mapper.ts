import type { ExperimentResponse, RunInputResponse, RunResponse } from '@shipyard/contracts';
import { toMlflowExperimentId } from './mlflow-ids';

/**
 * MLflow's JSON is protobuf (proto2) JSON with snake_case names: unset fields and empty repeated
 * fields are omitted, ids are strings, and int64 fields (times in epoch ms, steps) are JSON numbers,
 * as MLflow's server writes them (it marks int64 fields so they are not stringified).
 */
export type MlflowKeyValue = { key: string; value: string };

export interface MlflowExperiment {
  experiment_id: string;
  name: string;
  artifact_location: string;
  lifecycle_stage: string;
  last_update_time: number;
  creation_time: number;
  tags?: MlflowKeyValue[];
}

export interface MlflowRunInfo {
  run_id: string;
  run_uuid: string;
  run_name?: string;
  experiment_id: string;
  user_id?: string;
  status: string;
  start_time: number;
  end_time?: number;
  artifact_uri: string;
  lifecycle_stage: string;
}

export interface MlflowMetric {
  key: string;
  /** A number, or "NaN", "Infinity", "-Infinity" as protobuf JSON writes doubles JSON cannot hold. */
  value: number | string;
  timestamp: number;
  step: number;
}

export interface MlflowRun {
  info: MlflowRunInfo;
  data: { metrics?: MlflowMetric[]; params?: MlflowKeyValue[]; tags?: MlflowKeyValue[] };
  inputs: { dataset_inputs?: Array<{ tags?: MlflowKeyValue[]; dataset: Record<string, string> }> };
}

const NON_FINITE: Readonly<Record<string, number>> = Object.freeze({ NaN: Number.NaN, Infinity: Number.POSITIVE_INFINITY, '-Infinity': Number.NEGATIVE_INFINITY });

/** A metric value as MLflow clients send it: a JSON number, or one of protobuf JSON's strings for NaN and ±Infinity. */
export function fromMlflowMetricValue(v: unknown): unknown {
  return typeof v === 'string' && v in NON_FINITE ? NON_FINITE[v] : v;
}

/** A stored metric value in protobuf JSON: JSON.stringify would write NaN and ±Infinity as null. */
export function toMlflowMetricValue(v: number): number | string {
  return Number.isFinite(v) ? v : String(v);
}

/** The tag MLflow keeps a run's name in, beside info.run_name. */
export const RUN_NAME_TAG = 'mlflow.runName';
export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

export function keyValues(record: Record<string, string>): MlflowKeyValue[] {
  return Object.entries(record).map(([key, value]) => ({ key, value }));
}

/** Proto2 JSON leaves out empty repeated fields. */
function nonEmpty<K extends string, T>(key: K, list: T[]): Partial<Record<K, T[]>> {
  return list.length ? ({ [key]: list } as Partial<Record<K, T[]>>) : {};
}

/** How this server names artifact locations to MLflow clients (mlflow-artifacts:/… for its own bucket). */
export type ArtifactUriMapper = (uri: string) => string;
const asIs: ArtifactUriMapper = (uri) => uri;

export function toMlflowExperiment(e: ExperimentResponse, uri: ArtifactUriMapper = asIs): MlflowExperiment {
  return {
    experiment_id: toMlflowExperimentId(e.id),
    name: e.name,
    artifact_location: uri(e.artifactLocation),
    lifecycle_stage: e.lifecycleStage,
    last_update_time: Date.parse(e.updatedAt),
    creation_time: Date.parse(e.createdAt),
    ...nonEmpty('tags', keyValues(e.tags)),
  };
}

export function toMlflowRunInfo(r: RunResponse, uri: ArtifactUriMapper = asIs): MlflowRunInfo {
  return {
    run_id: r.id,
    run_uuid: r.id,
    ...(r.name !== null ? { run_name: r.name } : {}),
    experiment_id: toMlflowExperimentId(r.experimentId),
    ...(r.userId !== null ? { user_id: r.userId } : {}),
    status: r.status,
    start_time: Date.parse(r.startTime),
    ...(r.endTime !== null ? { end_time: Date.parse(r.endTime) } : {}),
    artifact_uri: uri(r.artifactUri),
    lifecycle_stage: r.lifecycleStage,
  };
}

function toDatasetInput(i: RunInputResponse): { tags: MlflowKeyValue[]; dataset: Record<string, string> } {
  return {
    tags: [{ key: DATASET_CONTEXT_TAG, value: i.context }],
    dataset: {
      name: i.name,
      digest: i.digest,
      ...(i.sourceUri !== null ? { source_type: 'uri', source: i.sourceUri } : {}),
      ...(i.schema !== null ? { schema: JSON.stringify(i.schema) } : {}),
      ...(i.profile !== null ? { profile: JSON.stringify(i.profile) } : {}),
    },
  };
}

export function toMlflowRun(r: RunResponse, uri: ArtifactUriMapper = asIs): MlflowRun {
  const tags = { ...r.tags };
  if (r.name !== null && tags[RUN_NAME_TAG] === undefined) tags[RUN_NAME_TAG] = r.name;
  return {
    info: toMlflowRunInfo(r, uri),
    data: {
      ...nonEmpty('metrics', r.metrics.map((m) => ({ key: m.key, value: toMlflowMetricValue(m.value), timestamp: m.timestamp, step: m.step }))),
      ...nonEmpty('params', keyValues(r.params)),
      ...nonEmpty('tags', keyValues(tags)),
    },
    inputs: nonEmpty('dataset_inputs', r.inputs.map(toDatasetInput)),
  };
}

/** `next_page_token` only when there is a next page. */
export function pageToken(next: string | null): { next_page_token?: string } {
  return next ? { next_page_token: next } : {};
}
