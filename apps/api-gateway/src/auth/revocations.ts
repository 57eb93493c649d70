import { Injectable } from '@nestjs/common';

interface NotBefore {
  /** Tokens issued at or before this (seconds) are refused. */
  at: number;
  /** Past this (seconds) every such token has expired anyway: the entry is dropped. */
  expires: number;
}

/**
 * Access tokens are verified locally, so a disabled user's token would live until it expires. The
 * gateway hears `user.disabled` / `user.role_changed` / `user.password_reset` on NATS and refuses the
 * user's tokens issued before them, and `session.revoked` (logout, refresh-token reuse) and refuses
 * every token of that session (its `sid`). Entries outlive the longest access-token lifetime, then are dropped.
 */
@Injectable()
export class TokenRevocations {
  private readonly users = new Map<string, NotBefore>();
  private readonly sessions = new Map<string, NotBefore>();

  revokeUserTokensIssuedBefore(userId: string, atSeconds: number, maxTokenTtlSeconds: number): void {
    remember(this.users, userId, { at: atSeconds, expires: atSeconds + maxTokenTtlSeconds });
  }

  /** True when a token for `userId` issued at `iat` (seconds) must be refused. */
  isRevoked(userId: string, iat: number, nowSeconds = Date.now() / 1000): boolean {
    const entry = current(this.users, userId, nowSeconds);
    return entry !== undefined && iat <= entry.at;
  }

  /**
   * Every token of the session, whenever issued: none can be issued after the session ended (its
   * refresh tokens are revoked), bar a refresh that raced the logout, which must not survive it either.
   */
  revokeSession(sessionId: string, atSeconds: number, maxTokenTtlSeconds: number): void {
    remember(this.sessions, sessionId, { at: atSeconds, expires: atSeconds + maxTokenTtlSeconds });
  }

  isSessionRevoked(sessionId: string, nowSeconds = Date.now() / 1000): boolean {
    return current(this.sessions, sessionId, nowSeconds) !== undefined;
  }

  /** Entries held (tests: expired ones do not pile up). */
  get size(): number {
    return this.users.size + this.sessions.size;
  }
}

/**
 * Sets `key`, re-inserted at the end so that the map stays ordered by expiry (events arrive about in
 * time order), and drops the expired entries at the front: nobody may ask about those again (a
 * session is never looked up once its tokens have expired), so lookups alone would not free them.
 */
function remember(entries: Map<string, NotBefore>, key: string, entry: NotBefore): void {
  entries.delete(key);
  entries.set(key, entry);
  for (const [k, e] of entries) {
    if (e.expires >= entry.at) break;
    entries.delete(k);
  }
}

function current(entries: Map<string, NotBefore>, key: string, now: number): NotBefore | undefined {
  const entry = entries.get(key);
  if (entry && entry.expires < now) {
    entries.delete(key);
    return undefined;
  }
  return entry;
}
