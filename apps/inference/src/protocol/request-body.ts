/** What every JSON endpoint does first: refuse empty bodies and unsupported content types, then parse once. */
import { badRequest, OipError } from './oip-error';

/**
 * Content types a JSON body may come with. Besides JSON and octet-stream (the binary extension),
 * text/plain and the form type are let through because `curl -d` sends the latter unless told
 * otherwise, and the protocol's own examples use plain `curl -d`. Anything else is 415.
 */
const ACCEPTED_TYPES = new Set(['application/json', 'application/octet-stream', 'text/plain', 'application/x-www-form-urlencoded']);

export function checkContentType(contentType: string | undefined): void {
  if (contentType === undefined || contentType === 'application/json') return; // the usual case, without parsing
  const type = (contentType.split(';', 1)[0] ?? '').trim().toLowerCase();
  if (type === '' || ACCEPTED_TYPES.has(type) || (type.startsWith('application/') && type.endsWith('+json'))) return;
  throw new OipError(415, `unsupported content type '${type}': send application/json, or application/octet-stream with an Inference-Header-Content-Length header`);
}

export type JsonObject = Record<string, unknown>;

export function isJsonObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Parses `json` (the whole body, or its JSON header) into an object, or says why it cannot. */
export function parseJsonObject(json: Buffer): JsonObject {
  if (json.length === 0) throw badRequest('request body is empty');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json.toString('utf8'));
  } catch (err) {
    throw badRequest(`request body is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (!isJsonObject(parsed)) throw badRequest(`request body must be a JSON object, got ${describe(parsed)}`);
  return parsed;
}

export function describe(v: unknown): string {
  return Array.isArray(v) ? 'an array' : v === null ? 'null' : typeof v;
}
