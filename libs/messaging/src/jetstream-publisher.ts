import { headers as natsHeaders, JetStreamManager, NatsConnection, RetentionPolicy, StorageType, nanos } from 'nats';
import { REQUEST_ID_HEADER } from '@shipyard/contracts';
import { EventPublisher, OutgoingEvent } from './event-publisher';
import { NatsConnector } from './nats-connection';

export interface StreamSettings {
  name: string;
  subjects: string[];
  /** How long JetStream remembers a msgID to drop a re-publish. */
  duplicateWindowMs: number;
  maxAgeMs: number;
}

export const DEFAULT_STREAM_SETTINGS = (name: string): StreamSettings => ({
  name,
  subjects: ['shipyard.>'],
  duplicateWindowMs: 2 * 60_000,
  maxAgeMs: 7 * 24 * 3_600_000,
});

/** Creates the stream if missing; leaves an existing one as the operator configured it. */
export async function ensureStream(jsm: JetStreamManager, s: StreamSettings): Promise<void> {
  try {
    await jsm.streams.info(s.name);
  } catch (e) {
    if (!/not found/i.test((e as Error).message)) throw e;
    try {
      await jsm.streams.add({
        name: s.name,
        subjects: s.subjects,
        retention: RetentionPolicy.Limits,
        storage: StorageType.File,
        duplicate_window: nanos(s.duplicateWindowMs),
        max_age: nanos(s.maxAgeMs),
      });
    } catch (addError) {
      // Another replica may have created it between our info and add.
      if (!/already in use|exists/i.test((addError as Error).message)) throw addError;
    }
  }
}

/**
 * Publishes to JetStream with msgID = event id, so a re-publish inside the duplicate window is dropped
 * by the server. Messages go out in call order on one connection, so the stream keeps outbox order.
 */
export class JetStreamPublisher implements EventPublisher {
  private streamReady: NatsConnection | null = null;

  constructor(
    private readonly connector: NatsConnector,
    private readonly stream: StreamSettings,
    private readonly ackTimeoutMs = 5_000,
  ) {}

  async publishBatch(events: OutgoingEvent[]): Promise<void> {
    const nc = this.connector.current();
    if (!nc) throw new Error('NATS is not connected');
    if (this.streamReady !== nc) {
      await ensureStream(await nc.jetstreamManager({ timeout: this.ackTimeoutMs }), this.stream);
      this.streamReady = nc;
    }
    const js = nc.jetstream({ timeout: this.ackTimeoutMs });
    const acks = events.map((e) => {
      const h = natsHeaders();
      h.set(REQUEST_ID_HEADER, e.correlationId);
      return js.publish(e.subject, Buffer.from(e.data), { msgID: e.id, headers: h, timeout: this.ackTimeoutMs, expect: { streamName: this.stream.name } });
    });
    await Promise.all(acks);
  }
}
