import { EventPublisher, OutgoingEvent } from './event-publisher';
import { backoffMs, OutboxRelay, OutboxStore, RelayObserver } from './outbox-relay';

const event = (n: number): OutgoingEvent => ({ id: `id-${n}`, subject: 'shipyard.t.x.done.v1', data: `{"n":${n}}`, correlationId: `c-${n}` });

/** An in-memory outbox with the store's transactional contract: rows are marked only if publish resolves. */
class FakeStore implements OutboxStore {
  pending: OutgoingEvent[] = [];
  sent: OutgoingEvent[] = [];
  waits: number[] = [];
  private wake: (() => void) | null = null;

  add(...events: OutgoingEvent[]): void {
    this.pending.push(...events);
    this.wake?.();
  }

  async publishPending(limit: number, publish: (rows: OutgoingEvent[]) => Promise<void>): Promise<number> {
    const batch = this.pending.slice(0, limit);
    if (batch.length === 0) return 0;
    await publish(batch);
    this.pending.splice(0, batch.length);
    this.sent.push(...batch);
    return batch.length;
  }

  waitForWork(timeoutMs: number): Promise<void> {
    this.waits.push(timeoutMs);
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      t.unref();
      this.wake = () => {
        clearTimeout(t);
        this.wake = null;
        resolve();
      };
    });
  }

  async close(): Promise<void> {}
}

class FakePublisher implements EventPublisher {
  published: OutgoingEvent[][] = [];
  failNext = 0;

  publishBatch(events: OutgoingEvent[]): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error('nats down'));
    }
    this.published.push(events);
    return Promise.resolve();
  }
}

class RecordingObserver implements RelayObserver {
  publishedCounts: number[] = [];
  failures: Array<{ attempt: number; retryInMs: number }> = [];
  published(count: number): void {
    this.publishedCounts.push(count);
  }
  failed(_e: Error, attempt: number, retryInMs: number): void {
    this.failures.push({ attempt, retryInMs });
  }
}

const until = async (cond: () => boolean, ms = 2000) => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 2));
  }
};

const opts = { batchSize: 3, idleMs: 50, initialBackoffMs: 5, maxBackoffMs: 40 };

describe('OutboxRelay', () => {
  it('publishes in batches, oldest first, and marks rows sent', async () => {
    const store = new FakeStore();
    const pub = new FakePublisher();
    store.add(...[1, 2, 3, 4, 5, 6, 7].map(event));
    const relay = new OutboxRelay(store, pub, opts);
    relay.start();
    await until(() => store.sent.length === 7);
    await relay.stop();
    expect(pub.published.map((b) => b.map((e) => e.id))).toEqual([
      ['id-1', 'id-2', 'id-3'],
      ['id-4', 'id-5', 'id-6'],
      ['id-7'],
    ]);
    expect(store.pending).toHaveLength(0);
  });

  it('does not sleep between full batches, and waits for work when drained', async () => {
    const store = new FakeStore();
    const relay = new OutboxRelay(store, new FakePublisher(), opts);
    store.add(...[1, 2, 3, 4, 5, 6].map(event));
    relay.start();
    await until(() => store.sent.length === 6 && store.waits.length >= 1);
    await relay.stop();
    // two full batches, then one empty pass, then one wait: no wait was spent between the full batches
    expect(store.waits[0]).toBe(opts.idleMs);
  });

  it('wakes up for new rows without waiting for the idle timeout', async () => {
    const store = new FakeStore();
    const relay = new OutboxRelay(store, new FakePublisher(), { ...opts, idleMs: 60_000 });
    relay.start();
    await until(() => store.waits.length === 1);
    const t0 = Date.now();
    store.add(event(1));
    await until(() => store.sent.length === 1);
    expect(Date.now() - t0).toBeLessThan(1000);
    await relay.stop();
  });

  it('keeps rows pending while publishing fails and backs off exponentially, then drains', async () => {
    const store = new FakeStore();
    const pub = new FakePublisher();
    const observer = new RecordingObserver();
    pub.failNext = 5;
    store.add(event(1), event(2));
    const relay = new OutboxRelay(store, pub, opts, observer);
    relay.start();
    await until(() => store.sent.length === 2);
    await relay.stop();
    expect(observer.failures.map((f) => f.retryInMs)).toEqual([5, 10, 20, 40, 40]);
    expect(observer.failures.map((f) => f.attempt)).toEqual([1, 2, 3, 4, 5]);
    expect(pub.published).toEqual([[event(1), event(2)]]);
  });

  it('stops promptly even while backing off', async () => {
    const store = new FakeStore();
    const pub = new FakePublisher();
    pub.failNext = Number.MAX_SAFE_INTEGER;
    store.add(event(1));
    const relay = new OutboxRelay(store, pub, { ...opts, initialBackoffMs: 60_000, maxBackoffMs: 60_000 });
    relay.start();
    await new Promise((r) => setTimeout(r, 20));
    const t0 = Date.now();
    await relay.stop();
    expect(Date.now() - t0).toBeLessThan(1000);
    expect(store.pending).toHaveLength(1);
  });
});

describe('backoffMs', () => {
  it('doubles from the initial delay up to the cap', () => {
    const o = { initialBackoffMs: 100, maxBackoffMs: 5000 };
    expect([1, 2, 3, 4, 5, 6, 7, 20].map((n) => backoffMs(n, o))).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
  });
});
