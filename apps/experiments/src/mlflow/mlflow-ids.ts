import { UUID_PATTERN } from '@shipyard/persistence';
import { MlflowArgs, MlflowInvalidParameter, optInt, optStrings, reqString, reqStringOf } from '@shipyard/service-kit';

/**
 * MLflow servers always have experiment "0", named "Default", where runs go when no experiment is set.
 * Shipyard's experiment ids are UUIDs: that experiment is the one with the nil UUID, "0" on the MLflow API only.
 */
export const MLFLOW_DEFAULT_EXPERIMENT = '0';
export const DEFAULT_EXPERIMENT_ID = '00000000-0000-0000-0000-000000000000';
export const DEFAULT_EXPERIMENT_NAME = 'Default';

/** A Shipyard experiment id as MLflow clients see it. */
export function toMlflowExperimentId(id: string): string {
  return id === DEFAULT_EXPERIMENT_ID ? MLFLOW_DEFAULT_EXPERIMENT : id;
}

/** An MLflow experiment id ("0" or a UUID) as Shipyard's; anything else is refused naming the parameter. */
function shipyardExperimentId(raw: string, name: string): string {
  if (raw === MLFLOW_DEFAULT_EXPERIMENT) return DEFAULT_EXPERIMENT_ID;
  if (!UUID_PATTERN.test(raw)) throw new MlflowInvalidParameter(`Invalid value "${raw}" for parameter '${name}' supplied: expected an experiment id ("0" or a UUID)`);
  return raw.toLowerCase();
}

/** A required experiment id parameter, checked before it reaches a query. */
export function experimentIdArg(a: MlflowArgs, name = 'experiment_id'): string {
  return shipyardExperimentId(reqString(a, name), name);
}

export function experimentIdsArg(a: MlflowArgs, name: string): string[] {
  return optStrings(a, name).map((raw) => shipyardExperimentId(raw, name));
}

/** A required run id (run_id, or the deprecated run_uuid): a UUID, else 400 naming it, as MLflow validates run ids. */
export function runIdArg(a: MlflowArgs, ...names: string[]): string {
  const raw = reqStringOf(a, ...names);
  if (!UUID_PATTERN.test(raw)) {
    const given = names.find((n) => a[n] === raw) ?? names[0];
    throw new MlflowInvalidParameter(`Invalid value "${raw}" for parameter '${given}' supplied: expected a run id (a UUID)`);
  }
  return raw.toLowerCase();
}

/** 0001-01-01T00:00:00Z to JavaScript's last Date (+275760): a Date and a timestamptz (4713 BC to 294276 AD) hold both. */
const EPOCH_MS_MIN = -62_135_596_800_000;
const EPOCH_MS_MAX = 8_640_000_000_000_000;

/** An epoch-millisecond time parameter as a Date, refused (naming it) when no Date or timestamptz can hold it. */
export function timeArg(a: MlflowArgs, name: string): Date | undefined {
  const ms = optInt(a, name);
  if (ms === undefined) return undefined;
  if (ms < EPOCH_MS_MIN || ms > EPOCH_MS_MAX) throw new MlflowInvalidParameter(`Invalid value ${ms} for parameter '${name}' supplied: expected epoch milliseconds between ${EPOCH_MS_MIN} and ${EPOCH_MS_MAX}`);
  return new Date(ms);
}
