import { KEY_MAX, KEY_PATTERN, KEY_PATTERN_MESSAGE, RUN_NAME_MAX, TAG_VALUE_MAX } from '@shipyard/contracts';
import { CommandInvalid } from './errors';

export type Problems = Array<{ field: string; problems: string[] }>;

/** Problems with a param, metric or tag key; empty when it is fine. */
export function keyProblems(key: unknown): string[] {
  if (typeof key !== 'string') return ['key must be a string'];
  if (key.length === 0 || key.length > KEY_MAX) return [`key must be 1 to ${KEY_MAX} characters`];
  if (!KEY_PATTERN.test(key)) return [KEY_PATTERN_MESSAGE];
  return [];
}

export function stringProblems(value: unknown, max: number, what = 'value'): string[] {
  if (typeof value !== 'string') return [`${what} must be a string`];
  if (value.length > max) return [`${what} must be at most ${max} characters`];
  return [];
}

/** Checks a tag map as a use case receives it (other transports than the DTO-validated one call use cases too). */
export function assertTags(tags: Record<string, string> | undefined, field = 'tags'): void {
  const problems: Problems = [];
  for (const [key, value] of Object.entries(tags ?? {})) {
    const p = [...keyProblems(key), ...stringProblems(value, TAG_VALUE_MAX)];
    if (p.length) problems.push({ field: `${field}.${key}`, problems: p });
  }
  if (problems.length) throw new CommandInvalid(problems);
}

/** A run name as the runs table holds it (other transports than the DTO-validated one name runs too, e.g. MLflow's mlflow.runName tag). */
export function assertRunName(name: string | null | undefined, field = 'name'): void {
  if (typeof name === 'string' && name.length > RUN_NAME_MAX) throw new CommandInvalid([{ field, problems: [`${field} must be at most ${RUN_NAME_MAX} characters`] }]);
}
