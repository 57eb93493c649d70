import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ErrorKind } from '@shipyard/contracts';
import { DomainError } from './domain-error';

/** What an MLflow endpoint received: GETs carry query params, POSTs a JSON body (MLflow clients send both). */
export type MlflowArgs = Readonly<Record<string, unknown>>;

export class MlflowInvalidParameter extends DomainError {
  constructor(message: string) {
    super('INVALID_PARAMETER_VALUE', ErrorKind.InvalidInput, message);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** `@Args() args: MlflowArgs`: the query merged with the body (body wins), or a 400 when the body is not an object. */
export const Args = createParamDecorator((_: unknown, host: ExecutionContext): MlflowArgs => {
  const req = host.switchToHttp().getRequest<FastifyRequest>();
  const query = isRecord(req.query) ? req.query : {};
  if (req.body !== undefined && req.body !== null && !isRecord(req.body)) throw new DomainError('MALFORMED_JSON', ErrorKind.InvalidInput, 'request body must be a JSON object');
  return { ...query, ...(isRecord(req.body) ? req.body : {}) };
});

function missing(name: string): never {
  throw new MlflowInvalidParameter(`Missing value for required parameter '${name}'. See the API docs for more information about request parameters.`);
}

export function optString(args: MlflowArgs, name: string): string | undefined {
  const v = args[name];
  if (v === undefined || v === null || v === '') return undefined;
  if (typeof v !== 'string') throw new MlflowInvalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected a string`);
  return v;
}

export function reqString(args: MlflowArgs, name: string): string {
  return optString(args, name) ?? missing(name);
}

/** The first of several names that is present (MLflow accepts run_id or the deprecated run_uuid). */
export function reqStringOf(args: MlflowArgs, ...names: string[]): string {
  for (const n of names) {
    const v = optString(args, n);
    if (v !== undefined) return v;
  }
  return missing(names[0] ?? 'id');
}

/** int64 fields: JSON numbers, or the decimal strings older clients and query strings carry. */
export function optInt(args: MlflowArgs, name: string): number | undefined {
  const v = args[name];
  if (v === undefined || v === null || v === '') return undefined;
  const n = typeof v === 'string' && /^-?\d+$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isSafeInteger(n)) throw new MlflowInvalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected an integer`);
  return n;
}

export function reqNumber(args: MlflowArgs, name: string): number {
  const v = args[name];
  if (v === undefined || v === null) return missing(name);
  const n = typeof v === 'string' && v.trim() !== '' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isFinite(n)) throw new MlflowInvalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected a finite number`);
  return n;
}

/** Repeated fields: a JSON array, or a query param given once or several times. */
export function optStrings(args: MlflowArgs, name: string): string[] {
  const v = args[name];
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((s): s is string => typeof s === 'string')) throw new MlflowInvalidParameter(`Invalid value ${JSON.stringify(v)} for parameter '${name}' supplied: expected a list of strings`);
  return list;
}

export function optKeyValues(args: MlflowArgs, name: string): Array<{ key: string; value: string }> {
  const v = args[name];
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((t) => isRecord(t) && typeof t.key === 'string' && typeof t.value === 'string')) {
    throw new MlflowInvalidParameter(`Invalid value for parameter '${name}' supplied: expected a list of {key, value} string pairs`);
  }
  return (v as Array<{ key: string; value: string }>).map((t) => ({ key: t.key, value: t.value }));
}

export function maxResults(args: MlflowArgs, name: string, fallback: number, max: number): number {
  const n = optInt(args, name) ?? fallback;
  if (n < 1 || n > max) throw new MlflowInvalidParameter(`Invalid value ${n} for parameter '${name}' supplied: it must be between 1 and ${max}`);
  return n;
}

export function asRecord(v: unknown): Record<string, unknown> | undefined {
  return isRecord(v) ? v : undefined;
}

/** MLflow clients call /api/2.0/mlflow; its UI calls /ajax-api/2.0/mlflow. Gateway and services serve both. */
export const MLFLOW_PREFIXES = ['api/2.0/mlflow', 'ajax-api/2.0/mlflow'];
