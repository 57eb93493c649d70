import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { API_KEY_REVOKED, decodeEnvelope, SESSION_REVOKED, USER_DISABLED, USER_PASSWORD_RESET, USER_ROLE_CHANGED } from '@shipyard/contracts';
import { NatsConnector } from '@shipyard/messaging';
import { Lifecycle } from '@shipyard/service-kit';
import { GATEWAY_CONFIG } from '../tokens';
import type { GatewayConfig } from '../config';
import { ApiKeyVerifier } from './api-key-verifier';
import { TokenRevocations } from './revocations';

/** The auth events that must take effect at the edge at once. */
const ACTED_ON: ReadonlySet<string> = new Set([API_KEY_REVOKED, USER_DISABLED, USER_ROLE_CHANGED, USER_PASSWORD_RESET, SESSION_REVOKED]);

/** Listens (core NATS, no durable state) for the auth events that must take effect at the edge at once. */
@Injectable()
export class AuthEventsListener implements OnApplicationBootstrap {
  private readonly logger = new Logger('auth-events');

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly nats: NatsConnector,
    private readonly apiKeys: ApiKeyVerifier,
    private readonly revocations: TokenRevocations,
    private readonly lifecycle: Lifecycle,
  ) {}

  onApplicationBootstrap(): void {
    const unsubscribe = this.nats.subscribeWhenReady('shipyard.auth.>', (subject, data) => this.handle(subject, data), (e) => this.logger.warn(e.message));
    this.lifecycle.onShutdown('messaging', 'auth events', () => Promise.resolve(unsubscribe()));
  }

  handle(subject: string, data: Uint8Array): void {
    if (!ACTED_ON.has(subject)) return;
    const decoded = decodeEnvelope(data);
    if (!decoded.ok) return;
    const payload = decoded.envelope.payload as { id: string };
    const at = Date.parse(decoded.envelope.occurredAt) / 1000;
    const ttl = this.config.SHIPYARD_GATEWAY_MAX_TOKEN_TTL_S;
    if (subject === API_KEY_REVOKED) {
      this.apiKeys.forgetKey(payload.id);
      return;
    }
    if (subject === SESSION_REVOKED) {
      this.revocations.revokeSession(payload.id, at, ttl);
      return;
    }
    // A password reset ends the user's sessions, not their API keys: only a role change or disabling touches those.
    if (subject !== USER_PASSWORD_RESET) this.apiKeys.forgetUser(payload.id);
    this.revocations.revokeUserTokensIssuedBefore(payload.id, at, ttl);
  }
}
