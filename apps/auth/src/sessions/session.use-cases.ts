import { Injectable, Logger } from '@nestjs/common';
import { LOGIN_FAILED, LOGIN_SUCCEEDED, LoginRequest, SESSION_REVOKED, SYSTEM_ACTOR, TokenResponse } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { DomainError } from '@shipyard/service-kit';
import { Passwords } from '../users/passwords';
import { authError } from '../users/user.errors';
import { UsersRepository } from '../users/users.repository';
import { LoginThrottle } from './login-throttle';
import { TokenIssuer } from './tokens';

const LOCK_AFTER = 5;
const MAX_LOCK_S = 15 * 60;

/** After the 5th consecutive failure: 1 s, 2 s, 4 s … up to 15 minutes. */
export function lockSeconds(failedLogins: number): number {
  return failedLogins < LOCK_AFTER ? 0 : Math.min(2 ** (failedLogins - LOCK_AFTER), MAX_LOCK_S);
}

export interface LoginMeta {
  ip: string | null;
  requestId: string;
}

type Outcome = { ok: true; tokens: TokenResponse } | { ok: false; error: DomainError };

@Injectable()
export class LoginUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly users: UsersRepository,
    private readonly passwords: Passwords,
    private readonly tokens: TokenIssuer,
    private readonly throttle: LoginThrottle,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Every attempt leaves an event (success or the reason for failure), committed before the answer.
   * Failures all read "email or password is wrong", whatever the cause, so the API reveals nothing.
   */
  async execute(cmd: LoginRequest, meta: LoginMeta): Promise<TokenResponse> {
    const email = cmd.email.toLowerCase();
    const wait = await this.throttle.attempt(email);
    if (wait > 0) throw authError.locked(wait);
    const candidate = await this.users.byEmail(this.tx.manager(), email);
    // Verified outside the transaction (argon2 takes tens of ms); the counters are updated atomically below.
    const passwordOk = await this.passwords.verify(candidate?.password_hash ?? null, cmd.password);

    const outcome = await this.tx.run(async (em): Promise<Outcome> => {
      const user = candidate ? await this.users.byEmail(em, email, true) : null;
      const failed = async (reason: 'unknown_email' | 'bad_password' | 'disabled' | 'locked', error: DomainError = authError.invalidCredentials()): Promise<Outcome> => {
        await this.outbox.add(em, { subject: LOGIN_FAILED, actor: user ? { type: 'user', id: user.id } : SYSTEM_ACTOR, correlationId: meta.requestId, aggregate: { type: 'user', id: user?.id ?? 'unknown' }, payload: { email, userId: user?.id ?? null, reason, ip: meta.ip } });
        return { ok: false, error };
      };
      if (!user) return failed('unknown_email');
      const now = Date.now();
      if (user.locked_until && user.locked_until.getTime() > now) return failed('locked', authError.locked(Math.ceil((user.locked_until.getTime() - now) / 1000)));
      if (!passwordOk) {
        const failures = user.failed_logins + 1;
        const lock = lockSeconds(failures);
        await this.users.recordLoginOutcome(em, user.id, failures, lock > 0 ? new Date(now + lock * 1000) : null);
        return failed('bad_password');
      }
      if (user.disabled) return failed('disabled');
      await this.users.recordLoginOutcome(em, user.id, 0, null);
      await this.outbox.add(em, { subject: LOGIN_SUCCEEDED, actor: { type: 'user', id: user.id }, correlationId: meta.requestId, aggregate: { type: 'user', id: user.id }, payload: { userId: user.id, ip: meta.ip } });
      return { ok: true, tokens: await this.tokens.issue(em, user) };
    });
    if (!outcome.ok) throw outcome.error;
    return outcome.tokens;
  }
}

@Injectable()
export class RefreshUseCase {
  private readonly logger = new Logger('refresh');

  constructor(
    private readonly tx: Transactions,
    private readonly users: UsersRepository,
    private readonly tokens: TokenIssuer,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Rotates: the presented token is spent and a new one of the same family returned. A spent token
   * presented again means it leaked (or a client replayed it): the whole family is revoked, and the
   * session.revoked event makes the gateways refuse its access tokens too.
   */
  async execute(refreshToken: string, requestId: string): Promise<TokenResponse> {
    const outcome = await this.tx.run(async (em): Promise<TokenResponse | null> => {
      const row = await this.tokens.findRefresh(em, refreshToken);
      if (!row || row.revoked_at) return null;
      if (row.used_at) {
        const n = await this.tokens.revokeFamily(em, row.family_id);
        this.logger.warn(`refresh token reuse detected for user ${row.user_id}: session ${row.family_id} revoked (${n} token(s))`);
        await this.outbox.add(em, { subject: SESSION_REVOKED, actor: SYSTEM_ACTOR, correlationId: requestId, aggregate: { type: 'session', id: row.family_id }, payload: { id: row.family_id, userId: row.user_id, reason: 'refresh_token_reused', revokedRefreshTokens: n } });
        return null;
      }
      if (row.expires_at.getTime() <= Date.now()) return null;
      const user = await this.users.byId(em, row.user_id);
      if (!user || user.disabled) {
        await this.tokens.revokeFamily(em, row.family_id);
        return null;
      }
      await this.tokens.markUsed(em, row.id);
      return this.tokens.issue(em, user, row.family_id);
    });
    if (!outcome) throw authError.invalidRefreshToken();
    return outcome;
  }
}

@Injectable()
export class LogoutUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly tokens: TokenIssuer,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Ends the session the token belongs to: its refresh tokens here and, through the session.revoked
   * event, its access tokens (the `sid` claim) at the gateways. Idempotent, and silent about unknown tokens.
   */
  async execute(refreshToken: string, requestId: string): Promise<void> {
    await this.tx.run(async (em) => {
      const row = await this.tokens.findRefresh(em, refreshToken);
      if (!row) return;
      const revokedRefreshTokens = await this.tokens.revokeFamily(em, row.family_id);
      // An already ended session (logged out, or by a password reset or disabling, which have events of their own) says nothing again.
      if (revokedRefreshTokens === 0) return;
      await this.outbox.add(em, { subject: SESSION_REVOKED, actor: { type: 'user', id: row.user_id }, correlationId: requestId, aggregate: { type: 'session', id: row.family_id }, payload: { id: row.family_id, userId: row.user_id, reason: 'logout', revokedRefreshTokens } });
    });
  }
}
