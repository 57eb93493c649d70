/**
 * Writes for the audit chaos test: each step is one write that emits exactly one event, made safe to
 * retry while services, NATS or PostgreSQL restart underneath. A 5xx or a dropped connection leaves
 * the outcome unknown (the transaction may have committed), so every step is written to be idempotent
 * on retry: a create that already happened answers 409, an update to the same values emits nothing,
 * a delete that already happened answers 404. Steps of one aggregate run in order; aggregates run
 * interleaved. New write kinds (experiments, auth…) add a lifecycle to WRITE_LIFECYCLES.
 */
import { MODEL_CREATED, MODEL_DELETED, MODEL_UPDATED } from '@shipyard/contracts';
import { request, Target } from './http';

export type Attempt = 'done' | 'retry';

export interface WriteStep {
  subject: string;
  /** Sent as x-request-id on every attempt: the event's correlationId, whichever attempt committed. */
  requestId: string;
  /** The aggregate the event is about (known once the lifecycle's first step has run). */
  aggregateId(): string;
  /** One attempt; `ambiguous` = an earlier attempt's outcome is unknown, so "already done" is success. */
  attempt(gw: Target, ambiguous: boolean): Promise<Attempt>;
}

/** A lifecycle makes the steps for aggregate number `i`; `tag` keeps names unique per run. */
export type WriteLifecycle = (i: number, tag: string) => WriteStep[];

const transient = (status: number) => status >= 500 || status === 429;

async function call(gw: Target, method: string, path: string, requestId: string, body?: unknown): Promise<{ status: number; body: unknown } | null> {
  try {
    const res = await request(gw, method, path, { ...(body !== undefined ? { body } : {}), headers: { 'x-request-id': requestId } });
    return { status: res.status, body: res.body };
  } catch {
    return null; // connection refused or reset: unknown outcome
  }
}

function outcome(res: { status: number; body: unknown } | null, ok: number, alreadyDone: number | null, ambiguous: boolean, what: string): Attempt {
  if (res === null || transient(res.status)) return 'retry';
  if (res.status === ok) return 'done';
  if (ambiguous && res.status === alreadyDone) return 'done';
  throw new Error(`${what} answered ${res.status}: ${JSON.stringify(res.body)}`);
}

/** create → update (tags) → delete for every second model: 2.5 events per model on average. */
export const modelLifecycle: WriteLifecycle = (i, tag) => {
  const name = `chaos-${tag}-${i}`;
  let id = '';
  const rid = (step: string) => `chaos-${tag}-${i}-${step}`;
  const create: WriteStep = {
    subject: MODEL_CREATED,
    requestId: rid('create'),
    aggregateId: () => id,
    attempt: async (gw, ambiguous) => {
      const res = await call(gw, 'POST', '/api/v1/models', rid('create'), { name });
      const result = outcome(res, 201, 409, ambiguous, `create ${name}`);
      if (result === 'done') {
        const found = res?.status === 201 ? res : await call(gw, 'GET', `/api/v1/models/${name}`, `${rid('create')}-lookup`);
        if (!found || (found.status !== 201 && found.status !== 200)) return 'retry';
        id = (found.body as { id: string }).id;
      }
      return result;
    },
  };
  const update: WriteStep = {
    subject: MODEL_UPDATED,
    requestId: rid('update'),
    aggregateId: () => id,
    attempt: async (gw, ambiguous) => outcome(await call(gw, 'PATCH', `/api/v1/models/${id}`, rid('update'), { tags: [`chaos-${i}`] }), 200, 200, ambiguous, `update ${name}`),
  };
  const remove: WriteStep = {
    subject: MODEL_DELETED,
    requestId: rid('delete'),
    aggregateId: () => id,
    attempt: async (gw, ambiguous) => outcome(await call(gw, 'DELETE', `/api/v1/models/${id}`, rid('delete')), 204, 404, ambiguous, `delete ${name}`),
  };
  return i % 2 === 0 ? [create, update, remove] : [create, update];
};

export const WRITE_LIFECYCLES: readonly WriteLifecycle[] = [modelLifecycle];

/** Lifecycles, round-robin over the kinds, until they add up to `total` steps (the last one cut short). */
export function planWrites(total: number, tag: string): WriteStep[][] {
  const plan: WriteStep[][] = [];
  let steps = 0;
  for (let i = 0; steps < total; i++) {
    const lifecycle = WRITE_LIFECYCLES[i % WRITE_LIFECYCLES.length] ?? modelLifecycle;
    const mine = lifecycle(i, tag).slice(0, total - steps);
    plan.push(mine);
    steps += mine.length;
  }
  return plan;
}

export interface RunOptions {
  /** Lifecycles in flight at once. */
  concurrency: number;
  /** Steps started per second at most (paced, so the failures happen during the writes). */
  ratePerS: number;
  /** Give up on one step after this long of retrying. */
  stepDeadlineMs: number;
  onDone(done: number): void;
}

/** Runs every lifecycle (its steps in order), retrying each step until done; returns attempts made. */
export async function runWrites(gw: Target, plan: WriteStep[][], opts: RunOptions): Promise<{ attempts: number; retried: number }> {
  const started = Date.now();
  let slot = 0;
  let done = 0;
  let attempts = 0;
  let retried = 0;
  let next = 0;
  const pace = async () => {
    const at = started + (slot++ * 1000) / opts.ratePerS;
    if (at > Date.now()) await new Promise((r) => setTimeout(r, at - Date.now()));
  };
  const runStep = async (step: WriteStep) => {
    await pace();
    const deadline = Date.now() + opts.stepDeadlineMs;
    for (let n = 0; ; n++) {
      attempts++;
      if ((await step.attempt(gw, n > 0)) === 'done') break;
      if (n === 0) retried++;
      if (Date.now() > deadline) throw new Error(`${step.requestId} still failing after ${opts.stepDeadlineMs} ms`);
      await new Promise((r) => setTimeout(r, Math.min(100 * 2 ** n, 1000)));
    }
    opts.onDone(++done);
  };
  await Promise.all(
    Array.from({ length: opts.concurrency }, async () => {
      while (next < plan.length) {
        const lifecycle = plan[next++] ?? [];
        for (const step of lifecycle) await runStep(step);
      }
    }),
  );
  return { attempts, retried };
}
