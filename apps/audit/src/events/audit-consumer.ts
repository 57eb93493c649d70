import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { EVENTS_SUBJECT_FILTER } from '@shipyard/contracts';
import { ConsumedMessage, DEFAULT_STREAM_SETTINGS, JetStreamConsumer, NatsConnector } from '@shipyard/messaging';
import { LATENCY_BUCKETS, ProbeRegistry, ReadinessProbe, singleton } from '@shipyard/observability';
import { Lifecycle } from '@shipyard/service-kit';
import { AUDIT_CONFIG } from '../tokens';
import type { AuditConfig } from '../config';
import { chainMetrics } from '../chain/chain-metrics';
import { AuditRecorder } from './audit-recorder';

const metrics = () => ({
  lag: singleton('shipyard_audit_lag_seconds', () => new Histogram({ name: 'shipyard_audit_lag_seconds', help: 'Event occurred_at to audit recorded_at', buckets: LATENCY_BUCKETS })),
  recorded: singleton('shipyard_audit_events_recorded_total', () => new Counter({ name: 'shipyard_audit_events_recorded_total', help: 'Events appended to the audit chain' })),
  duplicates: singleton('shipyard_audit_duplicates_total', () => new Counter({ name: 'shipyard_audit_duplicates_total', help: 'Redelivered events skipped by event id' })),
  deadLetters: singleton('shipyard_audit_dead_letters_total', () => new Counter({ name: 'shipyard_audit_dead_letters_total', help: 'Messages that failed validation and went to audit.dead_letters' })),
  batch: singleton('shipyard_audit_batch_size', () => new Histogram({ name: 'shipyard_audit_batch_size', help: 'Events per recorded batch', buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000] })),
  pending: singleton('shipyard_audit_consumer_pending', () => new Gauge({ name: 'shipyard_audit_consumer_pending', help: 'Messages JetStream holds for the audit consumer (undelivered + unacked)' })),
});

/** Feeds every shipyard.> event into the recorder through one durable, explicit-ack consumer. */
@Injectable()
export class AuditConsumer implements OnApplicationBootstrap, ReadinessProbe {
  readonly name = 'audit-consumer';
  private readonly logger = new Logger('audit-consumer');
  private readonly m = metrics();
  private readonly chain = chainMetrics();
  private consumer: JetStreamConsumer | null = null;

  constructor(
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
    private readonly nats: NatsConnector,
    private readonly recorder: AuditRecorder,
    private readonly lifecycle: Lifecycle,
    probes: ProbeRegistry,
  ) {
    probes.add(this);
  }

  onApplicationBootstrap(): void {
    this.consumer = new JetStreamConsumer(this.nats, {
      stream: DEFAULT_STREAM_SETTINGS(this.config.SHIPYARD_EVENTS_STREAM),
      durable: this.config.SHIPYARD_AUDIT_CONSUMER,
      filterSubject: EVENTS_SUBJECT_FILTER,
      maxBatch: this.config.SHIPYARD_AUDIT_MAX_BATCH,
      ackWaitMs: 30_000,
      maxAckPending: 10_000,
      retryDelayMs: 500,
      handle: (batch) => this.handle(batch),
      log: (msg) => this.logger.warn(msg),
    });
    this.consumer.start();
    const timer = setInterval(() => void this.refreshPending(), 10_000);
    timer.unref();
    this.lifecycle.onShutdown('workers', 'audit consumer', async () => {
      clearInterval(timer);
      await this.consumer?.stop();
    });
  }

  /** Ready while the consumer makes progress: nothing pending, or a batch finished recently. */
  async check(): Promise<Record<string, unknown>> {
    if (!this.consumer) throw new Error('consumer not started');
    const pending = await this.consumer.pending();
    const { lastProgressAt, handled } = this.consumer.progress();
    const idleMs = Date.now() - lastProgressAt;
    if (pending > 0 && idleMs > 60_000) throw new Error(`consumer stuck: ${pending} pending, no progress for ${Math.round(idleMs / 1000)} s`);
    return { pending, handled };
  }

  private async handle(batch: ConsumedMessage[]): Promise<void> {
    const outcome = await this.recorder.record(batch);
    const now = Date.now();
    for (const occurred of outcome.occurredAt) this.m.lag.observe(Math.max(0, now - occurred) / 1000);
    this.m.recorded.inc(outcome.recorded);
    this.m.duplicates.inc(outcome.duplicates);
    this.m.batch.observe(batch.length);
    if (outcome.head) this.chain.headSeq.set(outcome.head.seq);
    if (outcome.anchored) this.chain.anchors.inc({ reason: 'count' });
    if (outcome.deadLettered > 0) {
      this.m.deadLetters.inc(outcome.deadLettered);
      this.logger.warn(`${outcome.deadLettered} message(s) failed validation and were dead-lettered`);
    }
  }

  private async refreshPending(): Promise<void> {
    try {
      this.m.pending.set((await this.consumer?.pending()) ?? 0);
    } catch {
      // NATS away: the gauge keeps its last value until it answers again
    }
  }
}
