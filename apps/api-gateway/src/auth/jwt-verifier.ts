import { Inject, Injectable, Logger } from '@nestjs/common';
import { createLocalJWKSet, errors, JSONWebKeySet, jwtVerify } from 'jose';
import { request } from 'undici';
import { isRole, ROLE_PERMISSIONS } from '@shipyard/contracts';
import { UUID_PATTERN } from '@shipyard/persistence';
import { GATEWAY_CONFIG } from '../tokens';
import type { GatewayConfig } from '../config';
import { Principal } from './principal';
import { TokenRevocations } from './revocations';

const REFRESH_EVERY_MS = 5 * 60_000;
const MIN_REFETCH_MS = 10_000;

/**
 * Verifies access tokens locally against the auth service's JWKS (no round trip per request). The
 * key set is refreshed every 5 minutes in the background (no request waits for it) and, waited for,
 * when a token names an unknown `kid` (at most every 10 s), so a new key is picked up within seconds of
 * a rollover while the old one still verifies.
 */
@Injectable()
export class JwtVerifier {
  private readonly logger = new Logger('jwt');
  private keySet: ReturnType<typeof createLocalJWKSet> | null = null;
  private fetchedAt = 0;
  private inflight: Promise<void> | null = null;

  constructor(
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
    private readonly revocations: TokenRevocations,
  ) {}

  /** Null for any token that is not a valid, current Shipyard access token. */
  async verify(token: string): Promise<Principal | null> {
    if (!this.keySet) await this.refresh();
    // The periodic refresh runs beside the requests: they keep verifying against the current set meanwhile.
    else if (Date.now() - this.fetchedAt > REFRESH_EVERY_MS) void this.refresh();
    try {
      return this.principal(await this.check(token));
    } catch (e) {
      if (e instanceof errors.JWKSNoMatchingKey && Date.now() - this.fetchedAt > MIN_REFETCH_MS) {
        await this.refresh();
        try {
          return this.principal(await this.check(token));
        } catch {
          return null;
        }
      }
      return null;
    }
  }

  private async check(token: string) {
    if (!this.keySet) throw new errors.JWKSNoMatchingKey();
    const { payload } = await jwtVerify(token, this.keySet, {
      issuer: this.config.SHIPYARD_JWT_ISSUER,
      audience: this.config.SHIPYARD_JWT_AUDIENCE,
      algorithms: ['EdDSA'],
      requiredClaims: ['sub', 'exp', 'iat', 'nbf'],
      clockTolerance: 5,
    });
    return payload;
  }

  private principal(payload: Record<string, unknown>): Principal | null {
    const { sub, role, iat, sid } = payload;
    if (typeof sub !== 'string' || !UUID_PATTERN.test(sub) || !isRole(role) || typeof iat !== 'number') return null;
    if (this.revocations.isRevoked(sub, iat) || (typeof sid === 'string' && this.revocations.isSessionRevoked(sid))) return null;
    return { actor: { type: 'user', id: sub }, userId: sub, role, permissions: new Set(ROLE_PERMISSIONS[role]), via: 'jwt' };
  }

  private refresh(): Promise<void> {
    this.inflight ??= (async () => {
      try {
        const res = await request(new URL('/.well-known/jwks.json', this.config.SHIPYARD_AUTH_URL), { headersTimeout: 3000, bodyTimeout: 3000 });
        if (res.statusCode !== 200) throw new Error(`auth answered ${res.statusCode}`);
        const jwks = (await res.body.json()) as JSONWebKeySet;
        this.keySet = createLocalJWKSet(jwks);
        this.fetchedAt = Date.now();
      } catch (e) {
        this.logger.warn(`could not refresh the JWKS from ${this.config.SHIPYARD_AUTH_URL}: ${(e as Error).message}`);
        this.fetchedAt = Date.now() - REFRESH_EVERY_MS + MIN_REFETCH_MS; // retry soon, not on every request
      }
    })().finally(() => {
      this.inflight = null;
    });
    return this.inflight;
  }
}
