import { AckPolicy, DeliverPolicy, JsMsg, nanos } from 'nats';
import { ensureStream, StreamSettings } from './jetstream-publisher';
import { NatsConnector } from './nats-connection';

export interface ConsumedMessage {
  subject: string;
  data: Uint8Array;
  headers: Record<string, string>;
  streamSeq: number;
  redeliveryCount: number;
}

export interface ConsumerOptions {
  stream: StreamSettings;
  durable: string;
  filterSubject: string;
  /** Largest batch handed to `handle` at once. */
  maxBatch: number;
  ackWaitMs: number;
  maxAckPending: number;
  /** Delay before a failed batch is redelivered. */
  retryDelayMs: number;
  /**
   * Processes a batch. Resolve = every message is done (acked); reject = none is (all redelivered
   * after `retryDelayMs`). Handlers must therefore be idempotent.
   */
  handle(batch: ConsumedMessage[]): Promise<void>;
  log?: (msg: string) => void;
}

/**
 * A durable pull consumer with explicit acks. Messages that arrive together are handled together:
 * under load batches grow up to `maxBatch`, at low rates each message goes through alone at once.
 */
export class JetStreamConsumer {
  private running = false;
  private buffer: JsMsg[] = [];
  private flushing: Promise<void> | null = null;
  private flushScheduled = false;
  private stopCurrent: (() => void) | null = null;
  private loop: Promise<void> | null = null;
  private lastProgressAt = Date.now();
  private handled = 0;

  constructor(
    private readonly connector: NatsConnector,
    private readonly opts: ConsumerOptions,
  ) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.stopCurrent?.();
    await this.loop;
    await this.flushing;
  }

  /** Messages handled since start, and when the last batch finished (for readiness and metrics). */
  progress(): { handled: number; lastProgressAt: number; buffered: number } {
    return { handled: this.handled, lastProgressAt: this.lastProgressAt, buffered: this.buffer.length };
  }

  /** Messages the server holds for this consumer that it has not yet delivered. */
  async pending(): Promise<number> {
    const nc = this.connector.current();
    if (!nc) throw new Error('NATS is not connected');
    const info = await (await nc.jetstreamManager()).consumers.info(this.opts.stream.name, this.opts.durable);
    return info.num_pending + info.num_ack_pending;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        const nc = await this.connector.ready();
        const jsm = await nc.jetstreamManager();
        await ensureStream(jsm, this.opts.stream);
        await jsm.consumers.add(this.opts.stream.name, {
          durable_name: this.opts.durable,
          ack_policy: AckPolicy.Explicit,
          deliver_policy: DeliverPolicy.All,
          filter_subject: this.opts.filterSubject,
          ack_wait: nanos(this.opts.ackWaitMs),
          max_ack_pending: this.opts.maxAckPending,
        });
        const consumer = await nc.jetstream().consumers.get(this.opts.stream.name, this.opts.durable);
        const messages = await consumer.consume({
          max_messages: Math.min(this.opts.maxAckPending, this.opts.maxBatch * 4),
          callback: (m) => this.enqueue(m),
        });
        this.stopCurrent = () => void messages.stop();
        failures = 0;
        await messages.closed();
      } catch (e) {
        failures++;
        if (this.running) this.opts.log?.(`consumer ${this.opts.durable}: ${(e as Error).message}; restarting`);
        await new Promise((r) => setTimeout(r, Math.min(200 * failures, 3000)));
      }
    }
  }

  private enqueue(m: JsMsg): void {
    this.buffer.push(m);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      // Let every message from the same socket read land first, then take them as one batch.
      setImmediate(() => void this.flush());
    }
  }

  private async flush(): Promise<void> {
    this.flushScheduled = false;
    if (this.flushing) return; // the running flush picks up what is buffered when it finishes
    this.flushing = (async () => {
      while (this.buffer.length > 0) {
        const batch = this.buffer.splice(0, this.opts.maxBatch);
        try {
          await this.opts.handle(batch.map(toConsumed));
          for (const m of batch) m.ack();
          this.handled += batch.length;
          this.lastProgressAt = Date.now();
        } catch (e) {
          this.opts.log?.(`consumer ${this.opts.durable}: batch of ${batch.length} failed (${(e as Error).message}); redelivering`);
          for (const m of batch) m.nak(this.opts.retryDelayMs);
        }
      }
    })();
    try {
      await this.flushing;
    } finally {
      this.flushing = null;
    }
  }
}

function toConsumed(m: JsMsg): ConsumedMessage {
  const headers: Record<string, string> = {};
  if (m.headers) for (const [k, v] of m.headers) headers[k] = v.join(',');
  return { subject: m.subject, data: m.data, headers, streamSeq: m.seq, redeliveryCount: m.info.redeliveryCount };
}
