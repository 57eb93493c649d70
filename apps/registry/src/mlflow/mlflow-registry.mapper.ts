import { MlflowInvalidParameter } from '@shipyard/service-kit';
import type { ModelEntity } from '../models/model.entity';
import type { VersionView } from '../versions/model-version.entity';

type KeyValue = { key: string; value: string };

/** Registry tags are strings; MLflow's are key/value pairs, carried as "key:value" (a tag without ':' has an empty value). */
export function toMlflowTags(tags: string[]): KeyValue[] {
  return tags.map((t) => {
    const i = t.indexOf(':');
    return i < 0 ? { key: t, value: '' } : { key: t.slice(0, i), value: t.slice(i + 1) };
  });
}

/**
 * The one check of an MLflow tag key, on every path that takes one (create, set-tag, delete-tag): a key
 * holding ':' would be stored as another key and value, an empty one as no key at all.
 */
export function checkTagKey(key: string): string {
  if (key === '') throw new MlflowInvalidParameter(`Invalid value "" for parameter 'key' supplied: a registry tag key cannot be empty`);
  if (key.includes(':')) throw new MlflowInvalidParameter(`Invalid value "${key}" for parameter 'key' supplied: registry tag keys cannot contain ':'`);
  return key;
}

export function fromMlflowTags(tags: KeyValue[]): string[] {
  return tags.map((t) => {
    checkTagKey(t.key);
    return t.value === '' ? t.key : `${t.key}:${t.value}`;
  });
}

/** The registry's `key:value` tags with `key` set to `value` (or removed when null), other tags kept in order. */
export function withTag(tags: readonly string[], key: string, value: string | null): string[] {
  const others = tags.filter((t) => (t.includes(':') ? t.slice(0, t.indexOf(':')) : t) !== key);
  return value === null ? others : [...others, ...fromMlflowTags([{ key, value }])];
}

/** Proto2 JSON: unset and empty repeated fields are left out; versions are strings, timestamps int64 numbers. */
export function toMlflowRegisteredModel(m: ModelEntity, aliases: Array<{ alias: string; version: number }>) {
  const tags = toMlflowTags(m.tags);
  return {
    name: m.name,
    creation_timestamp: m.createdAt.getTime(),
    last_updated_timestamp: m.updatedAt.getTime(),
    ...(m.description !== null ? { description: m.description } : {}),
    ...(tags.length ? { tags } : {}),
    ...(aliases.length ? { aliases: aliases.map((a) => ({ alias: a.alias, version: String(a.version) })) } : {}),
  };
}

const STATUS: Readonly<Record<string, string>> = { READY: 'READY', PENDING_UPLOAD: 'PENDING_REGISTRATION', FAILED: 'FAILED_REGISTRATION' };

export function toMlflowModelVersion({ version: v, modelName, aliases }: VersionView) {
  const tags = toMlflowTags(v.tags);
  return {
    name: modelName,
    version: String(v.version),
    creation_timestamp: v.createdAt.getTime(),
    last_updated_timestamp: v.updatedAt.getTime(),
    user_id: v.createdByUser,
    current_stage: v.stage,
    ...(v.description !== null ? { description: v.description } : {}),
    ...(v.sourceUri !== null ? { source: v.sourceUri } : {}),
    ...(v.sourceRunId !== null ? { run_id: v.sourceRunId } : {}),
    status: STATUS[v.status] ?? v.status,
    ...(v.failureReason !== null ? { status_message: v.failureReason } : {}),
    ...(tags.length ? { tags } : {}),
    ...(aliases.length ? { aliases } : {}),
  };
}
