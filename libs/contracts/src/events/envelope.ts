import { z } from 'zod';

/** `shipyard.<context>.<aggregate>.<verb>.v<N>` — lower snake case segments, integer version. */
export const SUBJECT_PATTERN = /^shipyard\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*\.v([1-9][0-9]*)$/;
export const EVENTS_STREAM = 'SHIPYARD_EVENTS';
export const EVENTS_SUBJECT_FILTER = 'shipyard.>';

export const ActorType = z.enum(['user', 'api_key', 'system']);
export type ActorType = z.infer<typeof ActorType>;

export const ActorSchema = z.object({ type: ActorType, id: z.string().min(1).max(200) }).strict();
export type Actor = z.infer<typeof ActorSchema>;

export const SYSTEM_ACTOR: Actor = Object.freeze({ type: 'system', id: 'shipyard' });

const JsonObject = z.record(z.string(), z.unknown());

export const EventEnvelopeSchema = z
  .object({
    id: z.uuid(),
    type: z.string().regex(SUBJECT_PATTERN, 'must look like shipyard.<context>.<aggregate>.<verb>.v<N>'),
    version: z.number().int().positive(),
    occurredAt: z.iso.datetime(),
    actor: ActorSchema,
    correlationId: z.string().min(1).max(200),
    aggregate: z.object({ type: z.string().min(1).max(100), id: z.string().min(1).max(200) }).strict(),
    payload: JsonObject,
    before: JsonObject.optional(),
    after: JsonObject.optional(),
  })
  .strict()
  .refine((e) => e.type.endsWith(`.v${e.version}`), { message: 'version must match the subject suffix', path: ['version'] });

export type EventEnvelope<P extends Record<string, unknown> = Record<string, unknown>> = Omit<
  z.infer<typeof EventEnvelopeSchema>,
  'payload'
> & { payload: P };

/** Parses the subject into its parts; null when it is not a Shipyard subject. */
export function parseSubject(subject: string): { context: string; aggregate: string; verb: string; version: number } | null {
  const m = SUBJECT_PATTERN.exec(subject);
  if (!m) return null;
  const [, context, aggregate, verb] = subject.split('.');
  if (context === undefined || aggregate === undefined || verb === undefined) return null;
  return { context, aggregate, verb, version: Number(m[1]) };
}
