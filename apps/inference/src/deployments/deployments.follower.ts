import { Logger } from '@nestjs/common';
import { decodeEnvelope, DEPLOYMENT_CREATED, DEPLOYMENT_DELETED, DeploymentCreatedPayload, DeploymentDeletedPayload } from '@shipyard/contracts';
import { NatsConnector } from '@shipyard/messaging';
import { followsDeployment, ModelManager } from '../models/model-manager';
import { formatModelRef } from '../models/model-ref';
import { DeploymentsRepository, refOf } from './deployments.repository';

/**
 * Keeps every replica serving what `inference.deployments` records, not only the replica whose API took
 * the deploy or undeploy: deployment events (core NATS, at most once) act at once, and `reconcile()`,
 * run periodically, catches what an event missed. A reconcile pass acts on a difference only when the
 * previous pass saw the same one, so a deploy in flight on this replica (loaded, not yet recorded) is
 * never undone by a pass that read the table a moment too early.
 */
export class DeploymentsFollower {
  private readonly logger = new Logger('deployments');
  private unsubscribe: (() => void) | null = null;
  /** Differences seen by the last reconcile pass: model → what the table wanted ('' = no row). */
  private pending = new Map<string, string>();

  constructor(
    private readonly nats: NatsConnector,
    private readonly models: ModelManager,
    private readonly deployments: DeploymentsRepository,
  ) {}

  start(): void {
    this.unsubscribe = this.nats.subscribeWhenReady('shipyard.inference.deployment.>', (subject, data) => this.handle(subject, data), (e) => this.logger.warn(e.message));
  }

  handle(subject: string, data: Uint8Array): void {
    if (subject !== DEPLOYMENT_CREATED && subject !== DEPLOYMENT_DELETED) return;
    const decoded = decodeEnvelope(data);
    if (!decoded.ok) return;
    const asOf = Date.parse(decoded.envelope.occurredAt);
    if (subject === DEPLOYMENT_CREATED) {
      const payload = DeploymentCreatedPayload.safeParse(decoded.envelope.payload);
      if (payload.success) this.models.follow(refOf({ model: payload.data.model, ...payload.data.reference }), asOf);
    } else {
      const payload = DeploymentDeletedPayload.safeParse(decoded.envelope.payload);
      if (payload.success) void this.models.unfollow(payload.data.model, asOf);
    }
  }

  /** One pass: serve each recorded deployment as recorded; stop serving deployments no longer recorded. */
  async reconcile(): Promise<void> {
    const wanted = new Map((await this.deployments.all()).map((d) => [d.model, refOf(d)] as const));
    const differences = new Map<string, string>();
    for (const [model, ref] of wanted) {
      const entry = this.models.entry(model);
      if (entry && (entry.loads > 0 || followsDeployment(entry, ref))) continue;
      differences.set(model, formatModelRef(ref));
    }
    for (const entry of this.models.list()) {
      if (entry.source === 'deployment' && entry.loads === 0 && !wanted.has(entry.name)) differences.set(entry.name, '');
    }
    for (const [model, want] of differences) {
      if (this.pending.get(model) !== want) continue; // first sighting: act on the next pass if it holds
      const ref = wanted.get(model);
      if (ref) this.models.follow(ref);
      else void this.models.unfollow(model);
    }
    this.pending = differences;
  }

  stop(): void {
    this.unsubscribe?.();
  }
}
