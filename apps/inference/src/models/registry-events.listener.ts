import { Logger } from '@nestjs/common';
import { decodeEnvelope, MODEL_DELETED, MODEL_VERSION_DELETED } from '@shipyard/contracts';
import { NatsConnector } from '@shipyard/messaging';
import { ModelManager } from './model-manager';
import { followsRegistry } from './model-ref';

/** Registry subjects after which a served alias, stage or "newest" may point at another version. */
const MOVES = /^shipyard\.registry\.(model_version|model_alias|alias|model)\.[a-z_]+\.v\d+$/;

/** The model a registry event is about, whatever the payload calls it. */
export function modelNameOf(payload: Record<string, unknown>): string | null {
  for (const key of ['modelName', 'model', 'name']) {
    const v = payload[key];
    if (typeof v === 'string' && v) return v;
    if (v && typeof v === 'object' && typeof (v as { name?: unknown }).name === 'string') return (v as { name: string }).name;
  }
  return null;
}

/**
 * Follows the registry on core NATS (JetStream subjects are delivered to core subscribers as well): an
 * event about a served model makes it re-resolve its reference, and swap if the version moved; a deleted
 * version (or model) stops being served at once. Each
 * replica re-resolves for itself, so no durable consumer is needed; a missed event is caught by the
 * next one, by a deploy, or by a restart.
 */
export class RegistryEventsListener {
  private readonly logger = new Logger('registry-events');
  private unsubscribe: (() => void) | null = null;

  constructor(
    private readonly nats: NatsConnector,
    private readonly models: ModelManager,
  ) {}

  start(): void {
    this.unsubscribe = this.nats.subscribeWhenReady('shipyard.registry.>', (subject, data) => this.handle(subject, data), (e) => this.logger.warn(e.message));
  }

  handle(subject: string, data: Uint8Array): void {
    if (!MOVES.test(subject)) return;
    const decoded = decodeEnvelope(data);
    if (!decoded.ok) return;
    const name = modelNameOf(decoded.envelope.payload);
    if (!name) return;
    const deletion = subject === MODEL_VERSION_DELETED || subject === MODEL_DELETED;
    if (subject === MODEL_VERSION_DELETED) {
      const version = decoded.envelope.payload.version;
      if (typeof version === 'number') this.models.withdraw(name, version, `version ${version} was deleted from the registry`);
    } else if (subject === MODEL_DELETED) this.models.withdraw(name, null, 'the model was deleted from the registry');
    for (const served of this.models.list()) {
      // After a deletion only a reference that can move (alias, stage, newest) has anything to re-resolve.
      if (served.ref.model.toLowerCase() === name.toLowerCase() && (!deletion || followsRegistry(served.ref))) void this.models.refresh(served.name);
    }
  }

  stop(): void {
    this.unsubscribe?.();
  }
}
