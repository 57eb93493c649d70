import { Inject, Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { EntityManager } from 'typeorm';
import { Role, TokenResponse } from '@shipyard/contracts';
import { queryReturning, uuidv7 } from '@shipyard/persistence';
import { SigningKeys } from '../keys/signing-keys';
import { AUTH_CONFIG } from '../tokens';
import type { AuthConfig } from '../config';

export function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export interface RefreshTokenRow {
  id: string;
  family_id: string;
  user_id: string;
  expires_at: Date;
  used_at: Date | null;
  revoked_at: Date | null;
}

/** Issues access tokens (signed JWTs) and opaque refresh tokens (stored only as sha256). */
@Injectable()
export class TokenIssuer {
  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    private readonly keys: SigningKeys,
  ) {}

  /** Starts a new session (family) or continues one, inside the caller's transaction. */
  async issue(em: EntityManager, user: { id: string; role: Role }, familyId: string = uuidv7()): Promise<TokenResponse> {
    const refreshToken = randomBytes(32).toString('base64url');
    const now = new Date();
    await em.query(
      `INSERT INTO auth.refresh_tokens (id, family_id, user_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)`,
      [uuidv7(), familyId, user.id, sha256(refreshToken), now, new Date(now.getTime() + this.config.SHIPYARD_REFRESH_TOKEN_TTL_S * 1000)],
    );
    const accessToken = await this.keys.sign({ sub: user.id, role: user.role, sid: familyId }, this.config.SHIPYARD_ACCESS_TOKEN_TTL_S);
    return { accessToken, refreshToken, expiresIn: this.config.SHIPYARD_ACCESS_TOKEN_TTL_S, tokenType: 'Bearer' };
  }

  async findRefresh(em: EntityManager, token: string): Promise<RefreshTokenRow | null> {
    const rows = await em.query<RefreshTokenRow[]>('SELECT id, family_id, user_id, expires_at, used_at, revoked_at FROM auth.refresh_tokens WHERE token_hash = $1 FOR UPDATE', [sha256(token)]);
    return rows[0] ?? null;
  }

  async markUsed(em: EntityManager, id: string): Promise<void> {
    await em.query('UPDATE auth.refresh_tokens SET used_at = now() WHERE id = $1', [id]);
  }

  /** Ends a session: every token of the family, used or not. */
  async revokeFamily(em: EntityManager, familyId: string): Promise<number> {
    const rows = await queryReturning<{ id: string }>(em, 'UPDATE auth.refresh_tokens SET revoked_at = now() WHERE family_id = $1 AND revoked_at IS NULL RETURNING id', [familyId]);
    return rows.length;
  }
}
