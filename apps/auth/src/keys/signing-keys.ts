import { Inject, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { exportJWK, generateKeyPair, importJWK, JWK, JWTPayload, KeyLike, SignJWT } from 'jose';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ConfigError } from '@shipyard/config';
import { AUTH_CONFIG } from '../tokens';
import type { AuthConfig } from '../config';

export const JWT_ALG = 'EdDSA';

interface PrivateJwk extends JWK {
  kid: string;
  d: string;
}

function isPrivateEd25519(v: unknown): v is PrivateJwk {
  const k = v as Partial<PrivateJwk>;
  return typeof k === 'object' && k !== null && k.kty === 'OKP' && k.crv === 'Ed25519' && typeof k.d === 'string' && typeof k.x === 'string' && typeof k.kid === 'string' && k.kid.length > 0;
}

/** Public half of a private JWK, as published in the JWKS. */
export function publicJwk(k: PrivateJwk): JWK {
  return { kty: k.kty, crv: k.crv, x: k.x, kid: k.kid, alg: JWT_ALG, use: 'sig' };
}

export async function generateSigningJwk(kid = `k${Date.now().toString(36)}${randomBytes(3).toString('hex')}`): Promise<PrivateJwk> {
  const { privateKey } = await generateKeyPair(JWT_ALG, { crv: 'Ed25519', extractable: true });
  const jwk = await exportJWK(privateKey);
  return { ...jwk, kid } as PrivateJwk;
}

/**
 * The auth service's token signing keys. The first key signs; every key is in the JWKS, so during a
 * rollover (new key first, old key second) tokens signed by either verify at the gateway.
 */
@Injectable()
export class SigningKeys implements OnModuleInit {
  private readonly logger = new Logger('signing-keys');
  private signer: { kid: string; key: KeyLike | Uint8Array } | null = null;
  private published: JWK[] = [];

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    private readonly ds: DataSource,
  ) {}

  async onModuleInit(): Promise<void> {
    const keys = this.config.SHIPYARD_JWT_PRIVATE_KEYS ? parseKeys(this.config.SHIPYARD_JWT_PRIVATE_KEYS) : await this.developmentKeys();
    const first = keys[0];
    if (!first) throw new ConfigError(['SHIPYARD_JWT_PRIVATE_KEYS: at least one key is required']);
    this.signer = { kid: first.kid, key: await importJWK(first, JWT_ALG) };
    this.published = keys.map(publicJwk);
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.published };
  }

  async sign(claims: JWTPayload & { sub: string }, ttlSeconds: number): Promise<string> {
    if (!this.signer) throw new Error('signing keys not loaded');
    const nowMs = Date.now();
    const now = Math.floor(nowMs / 1000);
    // iat keeps milliseconds (NumericDate may be fractional) so the gateway can tell a token minted just
    // after a role change or disable from one minted just before it.
    return new SignJWT(claims)
      .setProtectedHeader({ alg: JWT_ALG, kid: this.signer.kid, typ: 'JWT' })
      .setIssuer(this.config.SHIPYARD_JWT_ISSUER)
      .setAudience(this.config.SHIPYARD_JWT_AUDIENCE)
      .setIssuedAt(nowMs / 1000)
      .setNotBefore(now)
      .setExpirationTime(now + ttlSeconds)
      .setJti(randomBytes(12).toString('base64url'))
      .sign(this.signer.key);
  }

  private async developmentKeys(): Promise<PrivateJwk[]> {
    if (this.config.SHIPYARD_ENV === 'production') {
      throw new ConfigError(['SHIPYARD_JWT_PRIVATE_KEYS: required when SHIPYARD_ENV=production (generate one with `npm run -s keys:generate`)']);
    }
    const load = async () => (await this.ds.query<Array<{ private_jwk: unknown }>>('SELECT private_jwk FROM auth.dev_signing_keys ORDER BY created_at DESC')).map((r) => r.private_jwk).filter(isPrivateEd25519);
    let keys = await load();
    if (keys.length === 0) {
      const jwk = await generateSigningJwk();
      await this.ds.query('INSERT INTO auth.dev_signing_keys (kid, private_jwk) VALUES ($1, $2) ON CONFLICT DO NOTHING', [jwk.kid, JSON.stringify(jwk)]);
      keys = await load();
    }
    this.logger.warn('DEVELOPMENT signing key in use (stored in auth.dev_signing_keys); set SHIPYARD_JWT_PRIVATE_KEYS for production');
    return keys.slice(0, 1);
  }
}

function parseKeys(raw: string): PrivateJwk[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new ConfigError(['SHIPYARD_JWT_PRIVATE_KEYS: not JSON (expected an array of private Ed25519 JWKs)']);
  }
  const list = Array.isArray(parsed) ? parsed : [parsed];
  if (list.length === 0 || !list.every(isPrivateEd25519)) {
    throw new ConfigError(['SHIPYARD_JWT_PRIVATE_KEYS: every entry must be a private Ed25519 JWK (kty OKP, crv Ed25519, d, x, kid)']);
  }
  const kids = new Set(list.map((k) => k.kid));
  if (kids.size !== list.length) throw new ConfigError(['SHIPYARD_JWT_PRIVATE_KEYS: kids must be unique']);
  return list;
}
