import { Inject, Injectable, Logger } from '@nestjs/common';
import { Pool } from 'undici';
import { CommonErrorCode, effectivePermissions, ErrorKind, VerifiedApiKey } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';
import { GATEWAY_CONFIG } from '../tokens';
import type { GatewayConfig } from '../config';
import { Upstreams } from '../proxy/upstreams';
import { Principal } from './principal';

const MAX_ENTRIES = 10_000;

interface Entry {
  principal: Principal;
  keyId: string;
  userId: string;
  until: number;
}

/**
 * Resolves API keys through the auth service and caches the answer for a short time, so a busy key
 * costs one lookup per TTL instead of one per request. Revocation, disabling the owner or a role
 * change drop the cached entries at once (NATS events, and the gateway's own revoke responses).
 */
@Injectable()
export class ApiKeyVerifier {
  private readonly logger = new Logger('api-keys');
  private readonly cache = new Map<string, Entry>();

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly upstreams: Upstreams,
  ) {}

  /** The cached principal of `key` while its entry is fresh, else undefined (call `verify`). */
  cached(key: string): Principal | undefined {
    const hit = this.cache.get(key);
    return hit && hit.until > Date.now() ? hit.principal : undefined;
  }

  async verify(key: string): Promise<Principal | null> {
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.principal;
    if (hit) this.cache.delete(key);
    const verified = await this.lookup(key);
    if (!verified) return null;
    const principal: Principal = {
      actor: { type: 'api_key', id: verified.keyId },
      userId: verified.userId,
      role: verified.role,
      permissions: new Set(effectivePermissions(verified.role, verified.scopes)),
      via: 'api_key',
    };
    const expiresAt = verified.expiresAt ? Date.parse(verified.expiresAt) : Infinity;
    if (this.cache.size >= MAX_ENTRIES) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, { principal, keyId: verified.keyId, userId: verified.userId, until: Math.min(now + this.config.SHIPYARD_GATEWAY_API_KEY_CACHE_MS, expiresAt) });
    return principal;
  }

  forgetKey(keyId: string): void {
    for (const [k, e] of this.cache) if (e.keyId === keyId) this.cache.delete(k);
  }

  forgetUser(userId: string): void {
    for (const [k, e] of this.cache) if (e.userId === userId) this.cache.delete(k);
  }

  private async lookup(key: string): Promise<VerifiedApiKey | null> {
    const pool: Pool = this.upstreams.get('auth');
    let res;
    try {
      res = await pool.request({ method: 'POST', path: '/internal/v1/api-keys/verify', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key }) });
    } catch (e) {
      this.logger.warn(`auth unreachable for an API key lookup: ${(e as Error).message}`);
      throw new DomainError(CommonErrorCode.UpstreamUnavailable, ErrorKind.Unavailable, 'the auth service is unavailable; retry shortly');
    }
    if (res.statusCode === 200) return (await res.body.json()) as VerifiedApiKey;
    await res.body.dump();
    if (res.statusCode === 401 || res.statusCode === 400) return null;
    this.logger.warn(`auth answered ${res.statusCode} to an API key lookup`);
    throw new DomainError(CommonErrorCode.UpstreamUnavailable, ErrorKind.Unavailable, 'the auth service could not check the API key; retry shortly');
  }
}
