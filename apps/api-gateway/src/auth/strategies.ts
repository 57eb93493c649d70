import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import { Strategy } from 'passport-custom';
import { ApiKeyVerifier } from './api-key-verifier';
import { JwtVerifier } from './jwt-verifier';
import { Principal } from './principal';

const API_KEY_PREFIX = 'shp_';

/** The credential a request presents: `Authorization: Bearer <jwt|shp_…>` or `X-API-Key: shp_…`. */
export function presentedCredential(req: Pick<FastifyRequest, 'headers'>): { kind: 'jwt' | 'api_key'; value: string } | null {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string' && header) return { kind: 'api_key', value: header };
  const auth = req.headers.authorization;
  if (typeof auth !== 'string') return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
  if (!m?.[1]) return null;
  return { kind: m[1].startsWith(API_KEY_PREFIX) ? 'api_key' : 'jwt', value: m[1] };
}

/** passport strategy `jwt`: a locally verified EdDSA access token. */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(private readonly verifier: JwtVerifier) {
    super();
  }

  async validate(req: FastifyRequest): Promise<Principal | false> {
    const credential = presentedCredential(req);
    if (credential?.kind !== 'jwt') return false;
    return (await this.verifier.verify(credential.value)) ?? false;
  }
}

/** passport strategy `api-key`: a `shp_` key resolved by the auth service (cached briefly). */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, 'api-key') {
  constructor(private readonly verifier: ApiKeyVerifier) {
    super();
  }

  async validate(req: FastifyRequest): Promise<Principal | false> {
    const credential = presentedCredential(req);
    if (credential?.kind !== 'api_key') return false;
    return (await this.verifier.verify(credential.value)) ?? false;
  }
}
