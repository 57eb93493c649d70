import { Injectable } from '@nestjs/common';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import {
  API_KEY_CREATED, API_KEY_REVOKED, ApiKeyPageResponse, ApiKeyResponse, CreateApiKeyRequest, CreatedApiKeyResponse, DEFAULT_PAGE_SIZE, effectivePermissions, PageQuery, ROLE_PERMISSIONS, Scope, VerifiedApiKey,
} from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { decodeCursor, encodeCursor, Transactions, UUID_PATTERN, uuidv7 } from '@shipyard/persistence';
import { RequestContext } from '@shipyard/service-kit';
import { sha256 } from '../sessions/tokens';
import { authError } from '../users/user.errors';
import { UsersRepository } from '../users/users.repository';

const KEY_PATTERN = /^shp_([a-z0-9]{10})_([A-Za-z0-9_-]{43})$/;
const PREFIX_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

interface ApiKeyRow {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  secret_hash: Buffer;
  scopes: Scope[];
  created_at: Date;
  expires_at: Date | null;
  revoked_at: Date | null;
  last_used_at: Date | null;
}

function toResponse(k: ApiKeyRow): ApiKeyResponse {
  const iso = (d: Date | null) => (d ? d.toISOString() : null);
  return { id: k.id, name: k.name, prefix: `shp_${k.prefix}`, scopes: k.scopes, ownerId: k.user_id, expiresAt: iso(k.expires_at), revokedAt: iso(k.revoked_at), lastUsedAt: iso(k.last_used_at), createdAt: k.created_at.toISOString() };
}

function newPrefix(): string {
  return [...randomBytes(10)].map((b) => PREFIX_ALPHABET[b % PREFIX_ALPHABET.length]).join('');
}

/** API keys for machines: `shp_<prefix>_<secret>`, shown once, stored as sha256 of the secret, found by prefix. */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly tx: Transactions,
    private readonly users: UsersRepository,
    private readonly outbox: Outbox,
  ) {}

  async create(cmd: CreateApiKeyRequest, ctx: RequestContext): Promise<CreatedApiKeyResponse> {
    if (ctx.actor.type === 'api_key' && !ctx.permissions.has('admin')) throw authError.forbidden('an API key cannot create API keys unless it has the admin scope');
    const expiresAt = cmd.expiresAt ? new Date(cmd.expiresAt) : null;
    if (expiresAt && expiresAt.getTime() <= Date.now()) throw authError.invalidExpiry();
    return this.tx.run(async (em) => {
      const owner = await this.users.byId(em, ctx.userId);
      if (!owner || owner.disabled) throw authError.forbidden('the owner of this key is unknown or disabled');
      const allowed = ROLE_PERMISSIONS[owner.role];
      const exceeding = cmd.scopes.filter((s) => !allowed.includes(s));
      if (exceeding.length) throw authError.scopeExceedsRole(exceeding);
      const secret = randomBytes(32).toString('base64url');
      const row = (
        await em.query<ApiKeyRow[]>(
          `INSERT INTO auth.api_keys (id, user_id, name, prefix, secret_hash, scopes, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, now(), $7) RETURNING *`,
          [uuidv7(), owner.id, cmd.name, newPrefix(), sha256(secret), [...new Set(cmd.scopes)], expiresAt],
        )
      )[0] as ApiKeyRow;
      const response = toResponse(row);
      await this.outbox.add(em, { subject: API_KEY_CREATED, actor: ctx.actor, correlationId: ctx.requestId, aggregate: { type: 'api_key', id: row.id }, payload: { id: row.id, ownerId: owner.id, name: row.name, prefix: response.prefix, scopes: row.scopes, expiresAt: response.expiresAt }, after: response });
      return { ...response, key: `shp_${row.prefix}_${secret}` };
    });
  }

  /** Own keys; an admin may pass `ownerId` (any user) or list everyone's. */
  async list(q: PageQuery, ownerId: string | null): Promise<ApiKeyPageResponse> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    let after: string | null = null;
    if (q.cursor) {
      try {
        after = String(decodeCursor(q.cursor, 1)[0]);
      } catch {
        throw authError.invalidCursor();
      }
      if (!UUID_PATTERN.test(after)) throw authError.invalidCursor();
    }
    const where: string[] = [];
    const params: unknown[] = [limit + 1];
    if (ownerId) where.push(`user_id = $${params.push(ownerId)}`);
    if (after) where.push(`id > $${params.push(after)}`);
    const rows = await this.tx.manager().query<ApiKeyRow[]>(`SELECT * FROM auth.api_keys ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id LIMIT $1`, params);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toResponse), nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
  }

  /** Revokes at once. Owners revoke their own keys; admins anyone's. Someone else's key reads as not found. */
  async revoke(id: string, ctx: RequestContext): Promise<void> {
    if (!UUID_PATTERN.test(id)) throw authError.apiKeyNotFound(id);
    await this.tx.run(async (em) => {
      const row = (await em.query<ApiKeyRow[]>('SELECT * FROM auth.api_keys WHERE id = $1 FOR UPDATE', [id]))[0];
      if (!row || (row.user_id !== ctx.userId && !ctx.permissions.has('admin'))) throw authError.apiKeyNotFound(id);
      if (row.revoked_at) return;
      await em.query('UPDATE auth.api_keys SET revoked_at = now() WHERE id = $1', [id]);
      await this.outbox.add(em, { subject: API_KEY_REVOKED, actor: ctx.actor, correlationId: ctx.requestId, aggregate: { type: 'api_key', id }, payload: { id, ownerId: row.user_id, prefix: `shp_${row.prefix}` }, before: { revokedAt: null }, after: { revokedAt: new Date().toISOString() } });
    });
  }

  /** Who a presented key belongs to, with its owner's current role; null when invalid in any way. */
  async verify(key: string): Promise<VerifiedApiKey | null> {
    const m = KEY_PATTERN.exec(key);
    if (!m) return null;
    const [, prefix, secret] = m as unknown as [string, string, string];
    const rows = await this.tx.manager().query<Array<ApiKeyRow & { role: VerifiedApiKey['role']; disabled: boolean }>>(
      `SELECT k.*, u.role, u.disabled FROM auth.api_keys k JOIN auth.users u ON u.id = k.user_id WHERE k.prefix = $1`,
      [prefix],
    );
    const row = rows[0];
    if (!row || !timingSafeEqual(row.secret_hash, sha256(secret))) return null;
    if (row.revoked_at || row.disabled || (row.expires_at && row.expires_at.getTime() <= Date.now())) return null;
    // Touch last_used_at at most once a minute per key: no write per request.
    await this.tx.manager().query(`UPDATE auth.api_keys SET last_used_at = now() WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - interval '1 minute')`, [row.id]);
    return { keyId: row.id, userId: row.user_id, role: row.role, scopes: effectiveScopes(row), expiresAt: row.expires_at?.toISOString() ?? null };
  }
}

/** Scopes the owner's current role still allows (a demoted owner's key shrinks with them). */
function effectiveScopes(row: ApiKeyRow & { role: VerifiedApiKey['role'] }): Scope[] {
  const granted = new Set<string>(effectivePermissions(row.role, row.scopes));
  return row.scopes.filter((s) => granted.has(s) || (s === 'admin' && row.role === 'admin'));
}
