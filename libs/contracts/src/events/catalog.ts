import { z } from 'zod';
import { EventEnvelope, EventEnvelopeSchema } from './envelope';
import { AUTH_EVENTS } from '../auth/auth.events';
import { REGISTRY_EVENTS } from '../registry/model.events';
import { VERSION_EVENTS } from '../registry/version.events';
import { GOVERNANCE_EVENTS } from '../registry/governance.events';
import { EXPERIMENTS_EVENTS } from '../experiments/experiment.events';
import { INFERENCE_EVENTS } from '../inference/inference.events';

/**
 * Every write subject Shipyard emits, with its payload schema. Producers validate against it on publish,
 * consumers on receipt; the audit completeness test walks this list.
 */
export const EVENT_CATALOG: Readonly<Record<string, z.ZodType<Record<string, unknown>>>> = Object.freeze({
  ...REGISTRY_EVENTS,
  ...VERSION_EVENTS,
  ...GOVERNANCE_EVENTS,
  ...AUTH_EVENTS,
  ...EXPERIMENTS_EVENTS,
  ...INFERENCE_EVENTS,
});

export type EnvelopeValidation =
  | { ok: true; envelope: EventEnvelope }
  | { ok: false; reason: string };

function describe(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`).join('; ');
}

/** Validates an envelope and, when its subject is in the catalog, its payload too. */
export function validateEnvelope(value: unknown): EnvelopeValidation {
  const parsed = EventEnvelopeSchema.safeParse(value);
  if (!parsed.success) return { ok: false, reason: describe(parsed.error) };
  const payloadSchema = EVENT_CATALOG[parsed.data.type];
  if (payloadSchema) {
    const payload = payloadSchema.safeParse(parsed.data.payload);
    if (!payload.success) return { ok: false, reason: `payload: ${describe(payload.error)}` };
  }
  return { ok: true, envelope: parsed.data };
}

/** Parses raw bytes from the wire into a validated envelope. */
export function decodeEnvelope(data: Uint8Array): EnvelopeValidation {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data).toString('utf8'));
  } catch (e) {
    return { ok: false, reason: `not JSON: ${(e as Error).message}` };
  }
  return validateEnvelope(json);
}
