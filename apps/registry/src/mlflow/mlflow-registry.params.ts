import { MODEL_NAME_MAX, MODEL_NAME_PATTERN, Stage, STAGES } from '@shipyard/contracts';
import { MlflowArgs, MlflowInvalidParameter, reqString } from '@shipyard/service-kit';

/**
 * A registered model name under the native rule: a name the native API refuses could be registered the
 * MLflow way but never deployed (inference resolves models by that rule), so it is refused here too.
 */
export function reqModelName(a: MlflowArgs, param: 'name' | 'new_name'): string {
  const name = reqString(a, param);
  if (name.length > MODEL_NAME_MAX) throw new MlflowInvalidParameter(`Invalid value for parameter '${param}' supplied: a model name is at most ${MODEL_NAME_MAX} characters, got ${name.length}`);
  if (!MODEL_NAME_PATTERN.test(name)) {
    throw new MlflowInvalidParameter(`Invalid value ${JSON.stringify(name)} for parameter '${param}' supplied: a model name may hold letters, digits, ".", "_" and "-", and starts with a letter or digit`);
  }
  return name;
}

/** MLflow accepts stage names in any case (get_canonical_stage). */
export function canonicalStage(raw: string): Stage {
  const stage = STAGES.find((s) => s.toLowerCase() === raw.trim().toLowerCase());
  if (!stage) throw new MlflowInvalidParameter(`Invalid Model Version stage: ${raw}. Value must be one of ${STAGES.join(', ')}.`);
  return stage;
}

/** proto2 `optional bool`: a JSON boolean (the strings "true"/"false" too, as query strings carry them); absent is false. */
export function optBool(a: MlflowArgs, name: string): boolean {
  const v = a[name];
  if (v === undefined || v === null || v === false || v === 'false') return false;
  if (v === true || v === 'true') return true;
  throw new MlflowInvalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected a boolean`);
}
