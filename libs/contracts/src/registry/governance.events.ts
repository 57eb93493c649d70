import { z } from 'zod';

/** Aliases, stages, gates, reviews and model cards (filled in by the governance feature). */
export const GOVERNANCE_EVENTS: Readonly<Record<string, z.ZodType<Record<string, unknown>>>> = {};
