import { EventPublisher, OutgoingEvent } from './event-publisher';

/** Storage side of the relay: claims pending rows and marks them sent, atomically. */
export interface OutboxStore {
  /**
   * Locks up to `limit` unsent rows (oldest first, skipping rows another relay holds), hands them to
   * `publish`, and marks them sent in the same transaction once `publish` resolves. When `publish`
   * rejects, nothing is marked and the rows stay pending. Returns how many rows were claimed.
   */
  publishPending(limit: number, publish: (rows: OutgoingEvent[]) => Promise<void>): Promise<number>;
  /** Resolves when new rows may be pending (a NOTIFY arrived) or after `timeoutMs`, whichever is first. */
  waitForWork(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

export interface RelayOptions {
  batchSize: number;
  /** Fallback poll interval when no notification arrives (LISTEN is the fast path). */
  idleMs: number;
  /** Back-off after a failure: min(initial * 2^(n-1), max). */
  initialBackoffMs: number;
  maxBackoffMs: number;
}

export const DEFAULT_RELAY_OPTIONS: RelayOptions = { batchSize: 500, idleMs: 1000, initialBackoffMs: 100, maxBackoffMs: 5000 };

export interface RelayObserver {
  published(count: number): void;
  failed(error: Error, attempt: number, retryInMs: number): void;
}

const silent: RelayObserver = { published: () => undefined, failed: () => undefined };

export function backoffMs(attempt: number, opts: Pick<RelayOptions, 'initialBackoffMs' | 'maxBackoffMs'>): number {
  return Math.min(opts.initialBackoffMs * 2 ** Math.max(0, attempt - 1), opts.maxBackoffMs);
}

/**
 * Moves outbox rows to the event stream. Never polls in a tight loop: it sleeps until a NOTIFY (or the
 * idle timeout), and backs off exponentially while the broker or database is unavailable. Rows are only
 * marked sent after the broker acknowledged them, so a crash at any point re-publishes, never loses.
 */
export class OutboxRelay {
  private running = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private failures = 0;

  constructor(
    private readonly store: OutboxStore,
    private readonly publisher: EventPublisher,
    private readonly opts: RelayOptions = DEFAULT_RELAY_OPTIONS,
    private readonly observer: RelayObserver = silent,
    private readonly sleep: (ms: number, wake: (cb: () => void) => void) => Promise<void> = interruptibleSleep,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /** Stops after the batch in flight, if any, has finished. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
  }

  /** One pass: publishes at most one batch. Returns the number of rows published. */
  async relayOnce(): Promise<number> {
    return this.store.publishPending(this.opts.batchSize, (rows) => this.publisher.publishBatch(rows));
  }

  private async run(): Promise<void> {
    while (this.running) {
      let published = 0;
      try {
        published = await this.relayOnce();
        this.failures = 0;
        if (published > 0) this.observer.published(published);
      } catch (e) {
        this.failures++;
        const delay = backoffMs(this.failures, this.opts);
        this.observer.failed(e as Error, this.failures, delay);
        await this.sleep(delay, (cb) => (this.wake = cb));
        continue;
      }
      if (published >= this.opts.batchSize) continue; // more may be waiting: no sleep
      if (!this.running) break;
      await Promise.race([this.store.waitForWork(this.opts.idleMs), new Promise<void>((r) => (this.wake = r))]);
    }
  }
}

function interruptibleSleep(ms: number, onWake: (cb: () => void) => void): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    onWake(() => {
      clearTimeout(t);
      resolve();
    });
  });
}
