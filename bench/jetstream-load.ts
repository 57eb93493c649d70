import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { AckPolicy, JetStreamClient, NatsConnection, RetentionPolicy, StorageType } from 'nats';
import type { TestDatabase } from '@shipyard/testing';

/** A valid model.updated envelope, as the registry would publish it (payload validated by the audit consumer). */
export function benchEnvelope(tag: string, i: number, occurredAt = new Date()): { id: string; subject: string; data: Uint8Array } {
  const id = randomUUID();
  const modelId = randomUUID();
  const envelope = {
    id,
    type: 'shipyard.registry.model.updated.v1',
    version: 1,
    occurredAt: occurredAt.toISOString(),
    actor: { type: 'user', id: 'bench' },
    correlationId: `bench-${tag}-${i}`,
    aggregate: { type: 'model', id: modelId },
    payload: { id: modelId, name: `bench-${i}`, changed: ['tags'] },
    before: { tags: ['a'] },
    after: { tags: ['a', `t${i}`] },
  };
  return { id, subject: envelope.type, data: Buffer.from(JSON.stringify(envelope)) };
}

/** Publishes `count` messages with at most `window` unacknowledged; returns the elapsed ms. */
export async function publishAll(js: JetStreamClient, count: number, make: (i: number) => { id: string; subject: string; data: Uint8Array }, window = 512): Promise<number> {
  const started = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: window }, async () => {
      while (next < count) {
        const m = make(next++);
        await js.publish(m.subject, m.data, { msgID: m.id });
      }
    }),
  );
  return performance.now() - started;
}

/** Publishes at a fixed rate (open loop: the schedule does not wait for acks); returns how late the worst send was. */
export async function publishPaced(js: JetStreamClient, ratePerS: number, durationS: number, make: (i: number) => { id: string; subject: string; data: Uint8Array }): Promise<{ sent: number; worstLateMs: number }> {
  const total = Math.round(ratePerS * durationS);
  const started = performance.now();
  const acks: Array<Promise<unknown>> = [];
  let worstLateMs = 0;
  for (let i = 0; i < total; i++) {
    const at = started + (i * 1000) / ratePerS;
    const wait = at - performance.now();
    if (wait > 1) await sleep(wait);
    worstLateMs = Math.max(worstLateMs, performance.now() - at);
    const m = make(i);
    acks.push(js.publish(m.subject, m.data, { msgID: m.id }));
  }
  await Promise.all(acks);
  return { sent: total, worstLateMs };
}

/**
 * The broker alone: the same messages through a stream of their own to a pull consumer that only
 * acknowledges. The ceiling the audit service cannot beat on this machine.
 */
export async function brokerBaseline(nc: NatsConnection, count: number): Promise<{ publishMs: number; totalMs: number }> {
  const jsm = await nc.jetstreamManager();
  const stream = `BENCH_BASELINE_${randomUUID().slice(0, 6)}`;
  await jsm.streams.add({ name: stream, subjects: [`${stream}.>`], retention: RetentionPolicy.Limits, storage: StorageType.File });
  await jsm.consumers.add(stream, { durable_name: 'bench', ack_policy: AckPolicy.Explicit, max_ack_pending: 10_000 });
  const js = nc.jetstream();
  const started = performance.now();
  let received = 0;
  const consumer = await js.consumers.get(stream, 'bench');
  const messages = await consumer.consume({ max_messages: 2000 });
  const consuming = (async () => {
    for await (const m of messages) {
      m.ack();
      if (++received >= count) break;
    }
  })();
  const publishMs = await publishAll(js, count, (i) => {
    const m = benchEnvelope('baseline', i);
    return { ...m, subject: `${stream}.x` };
  });
  await consuming;
  const totalMs = performance.now() - started;
  await jsm.streams.delete(stream);
  return { publishMs, totalMs };
}

/** Waits until the audit chain holds `target` rows (polling max(seq) on the idempotency table). */
export async function waitForSeq(db: TestDatabase, target: number, stallMs = 30_000): Promise<{ reached: number; atMs: number }> {
  let last = -1;
  let lastGrowth = performance.now();
  for (;;) {
    const rows = await db.query<{ seq: string | null }>('SELECT max(seq) AS seq FROM audit.event_ids');
    const seq = Number(rows[0]?.seq ?? 0);
    if (seq >= target) return { reached: seq, atMs: performance.now() };
    if (seq > last) {
      last = seq;
      lastGrowth = performance.now();
    } else if (performance.now() - lastGrowth > stallMs) {
      return { reached: seq, atMs: performance.now() };
    }
    await sleep(20);
  }
}
