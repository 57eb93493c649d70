import { BATCH_LIMITS, PARAM_VALUE_MAX, TAG_VALUE_MAX } from '@shipyard/contracts';
import { BatchLimitExceeded, CommandInvalid } from '../common/errors';
import { keyProblems, Problems, stringProblems } from '../common/validation';
import { MetricColumns } from './run-data.repository';

/** What a logging call carries, from any transport. Items are checked here, all before any write. */
export interface LogBatchCommand {
  metrics?: ReadonlyArray<{ key: string; value: number; timestamp?: number; step?: number }>;
  params?: ReadonlyArray<{ key: string; value: string }>;
  tags?: ReadonlyArray<{ key: string; value: string }>;
}

export interface ValidBatch {
  metrics: MetricColumns;
  params: Map<string, string>;
  tags: Record<string, string>;
}

const BATCH_FIELDS = new Set(['metrics', 'params', 'tags']);
const METRIC_FIELDS = new Set(['key', 'value', 'timestamp', 'step']);
const KV_FIELDS = new Set(['key', 'value']);
// int8 bounds; JSON numbers beyond 2^53 lose precision anyway, so stay inside the safe integers.
const isInt8 = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v);

function unknownFields(item: object, allowed: Set<string>): string[] {
  return Object.keys(item).filter((k) => !allowed.has(k)).map((k) => `property ${k} should not exist`);
}

function asList(value: unknown, field: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new CommandInvalid([{ field, problems: [`${field} must be an array`] }]);
  return value;
}

/**
 * A request body as a command: a JSON object with no fields but metrics, params and tags (what the DTO
 * whitelist checked). Their contents are left to validateBatch, which reads every item once.
 */
export function batchCommandOf(body: unknown): LogBatchCommand {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new CommandInvalid([{ field: 'body', problems: ['must be a JSON object'] }]);
  const unknown = Object.keys(body).filter((k) => !BATCH_FIELDS.has(k));
  if (unknown.length) throw new CommandInvalid(unknown.map((k) => ({ field: k, problems: [`property ${k} should not exist`] })));
  return body;
}

/**
 * Checks limits first (1,001 metrics fail on the count, naming the limit, before any item is read),
 * then every item in one pass; all problems are reported together.
 */
export function validateBatch(cmd: LogBatchCommand, now: number = Date.now()): ValidBatch {
  const metrics = asList(cmd.metrics, 'metrics');
  const params = asList(cmd.params, 'params');
  const tags = asList(cmd.tags, 'tags');
  if (metrics.length > BATCH_LIMITS.metrics) throw new BatchLimitExceeded('metrics', BATCH_LIMITS.metrics, metrics.length);
  if (params.length > BATCH_LIMITS.params) throw new BatchLimitExceeded('params', BATCH_LIMITS.params, params.length);
  if (tags.length > BATCH_LIMITS.tags) throw new BatchLimitExceeded('tags', BATCH_LIMITS.tags, tags.length);

  const problems: Problems = [];
  const out: ValidBatch = { metrics: { keys: [], values: [], timestamps: [], steps: [] }, params: new Map(), tags: {} };
  metrics.forEach((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return void problems.push({ field: `metrics[${i}]`, problems: ['must be an object'] });
    const m = item as Record<string, unknown>;
    const p = [...unknownFields(m, METRIC_FIELDS), ...keyProblems(m.key)];
    if (typeof m.value !== 'number') p.push('value must be a number');
    if (m.timestamp !== undefined && !(isInt8(m.timestamp) && m.timestamp >= 0)) p.push('timestamp must be a non-negative integer (epoch milliseconds)');
    if (m.step !== undefined && !isInt8(m.step)) p.push('step must be an integer');
    if (p.length) return void problems.push({ field: `metrics[${i}]`, problems: p });
    out.metrics.keys.push(m.key as string);
    out.metrics.values.push(m.value as number);
    out.metrics.timestamps.push((m.timestamp as number | undefined) ?? now);
    out.metrics.steps.push((m.step as number | undefined) ?? 0);
  });
  params.forEach((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return void problems.push({ field: `params[${i}]`, problems: ['must be an object'] });
    const kv = item as Record<string, unknown>;
    const p = [...unknownFields(kv, KV_FIELDS), ...keyProblems(kv.key), ...stringProblems(kv.value, PARAM_VALUE_MAX)];
    if (p.length) return void problems.push({ field: `params[${i}]`, problems: p });
    const key = kv.key as string;
    const seen = out.params.get(key);
    if (seen !== undefined && seen !== kv.value) return void problems.push({ field: `params[${i}]`, problems: [`param "${key}" appears twice in the batch with different values`] });
    out.params.set(key, kv.value as string);
  });
  tags.forEach((item, i) => {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return void problems.push({ field: `tags[${i}]`, problems: ['must be an object'] });
    const kv = item as Record<string, unknown>;
    const p = [...unknownFields(kv, KV_FIELDS), ...keyProblems(kv.key), ...stringProblems(kv.value, TAG_VALUE_MAX)];
    if (p.length) return void problems.push({ field: `tags[${i}]`, problems: p });
    out.tags[kv.key as string] = kv.value as string;
  });
  if (problems.length) throw new CommandInvalid(problems);
  return out;
}
