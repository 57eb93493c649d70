import { Injectable } from '@nestjs/common';

/**
 * Access tokens are verified locally, so a disabled user's token would live until it expires. The
 * gateway hears `user.disabled` / `user.role_changed` on NATS and refuses tokens issued before them.
 * Entries outlive the longest access-token lifetime, then are dropped.
 */
@Injectable()
export class TokenRevocations {
  private readonly notBefore = new Map<string, { at: number; expires: number }>();

  revokeUserTokensIssuedBefore(userId: string, atSeconds: number, maxTokenTtlSeconds: number): void {
    this.notBefore.set(userId, { at: atSeconds, expires: atSeconds + maxTokenTtlSeconds });
  }

  /** True when a token for `userId` issued at `iat` (seconds) must be refused. */
  isRevoked(userId: string, iat: number, nowSeconds = Date.now() / 1000): boolean {
    const entry = this.notBefore.get(userId);
    if (!entry) return false;
    if (entry.expires < nowSeconds) {
      this.notBefore.delete(userId);
      return false;
    }
    return iat <= entry.at;
  }
}
