import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ModelWriteClient, WriteResult } from './write-client';

/** A request issued more than this after its scheduled time counts as late. */
export const LATE_THRESHOLD_MS = 10;

export interface LoadResult {
  results: WriteResult[];
  /** Requests the schedule called for (open loop) or issued (closed loop). */
  scheduled: number;
  issued: number;
  /** Open loop: issued more than LATE_THRESHOLD_MS after their scheduled time. */
  late: number;
  /** Open loop: had to wait for a free slot because `maxInFlight` requests were outstanding. */
  capped: number;
  /** Open loop: how far behind schedule the worst request was issued (ms). */
  maxIssueDelayMs: number;
  /** From the first send to the last response (ms). */
  elapsedMs: number;
  aborted: boolean;
}

export interface OpenLoopOptions {
  ratePerSecond: number;
  durationS: number;
  maxInFlight: number;
  name: (i: number) => string;
  signal: AbortSignal;
}

/**
 * Issues requests at fixed times (i / rate) whatever the responses do, so a slow server shows up as
 * latency and lateness instead of silently lowering the offered load. At most `maxInFlight` requests
 * are outstanding; a request that finds no free slot waits for one and is counted as capped.
 */
export async function runOpenLoop(client: ModelWriteClient, opts: OpenLoopOptions): Promise<LoadResult> {
  const total = Math.round(opts.ratePerSecond * opts.durationS);
  const intervalMs = 1000 / opts.ratePerSecond;
  const results: WriteResult[] = [];
  const outstanding: Array<Promise<void>> = [];
  let inFlight = 0;
  let slotFreed: (() => void) | null = null;
  let late = 0;
  let capped = 0;
  let maxIssueDelayMs = 0;
  let issued = 0;

  const start = performance.now() + 5;
  for (let i = 0; i < total && !opts.signal.aborted; i++) {
    const due = start + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (inFlight >= opts.maxInFlight) {
      capped++;
      while (inFlight >= opts.maxInFlight) await new Promise<void>((resolve) => (slotFreed = resolve));
    }
    const delay = performance.now() - due;
    if (delay > LATE_THRESHOLD_MS) late++;
    if (delay > maxIssueDelayMs) maxIssueDelayMs = delay;
    inFlight++;
    issued++;
    outstanding.push(
      client.createModel(opts.name(i)).then((r) => {
        results.push({ ...r, dueMono: due });
        inFlight--;
        const wake = slotFreed;
        slotFreed = null;
        wake?.();
      }),
    );
  }
  await Promise.all(outstanding);
  return { results, scheduled: total, issued, late, capped, maxIssueDelayMs, elapsedMs: span(results), aborted: opts.signal.aborted };
}

export interface ClosedLoopOptions {
  writers: number;
  /** Stop starting new requests after this long; `maxRequests` stops earlier if given. */
  durationS: number;
  maxRequests?: number;
  name: (i: number) => string;
  signal: AbortSignal;
}

/** `writers` loops, each sending its next request as soon as the previous one answered. */
export async function runClosedLoop(client: ModelWriteClient, opts: ClosedLoopOptions): Promise<LoadResult> {
  const results: WriteResult[] = [];
  const deadline = performance.now() + opts.durationS * 1000;
  const limit = opts.maxRequests ?? Number.POSITIVE_INFINITY;
  let next = 0;
  const writer = async () => {
    while (!opts.signal.aborted && performance.now() < deadline && next < limit) {
      results.push(await client.createModel(opts.name(next++)));
    }
  };
  await Promise.all(Array.from({ length: opts.writers }, writer));
  return { results, scheduled: next, issued: next, late: 0, capped: 0, maxIssueDelayMs: 0, elapsedMs: span(results), aborted: opts.signal.aborted };
}

function span(results: readonly WriteResult[]): number {
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const r of results) {
    if (r.sentMono < first) first = r.sentMono;
    if (r.doneMono > last) last = r.doneMono;
  }
  return results.length > 0 ? last - first : 0;
}
