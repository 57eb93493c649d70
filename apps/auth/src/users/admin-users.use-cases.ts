import { Inject, Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import {
  DEFAULT_PAGE_SIZE, PageQuery, Role, SYSTEM_ACTOR, UpdateUserRequest, USER_CREATED, USER_DISABLED, USER_ENABLED, USER_PASSWORD_RESET, USER_ROLE_CHANGED, UserPageResponse, UserResponse,
} from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { decodeCursor, encodeCursor, InvalidCursorError, queryReturning, Transactions, UUID_PATTERN, uuidv7 } from '@shipyard/persistence';
import { RequestContext } from '@shipyard/service-kit';
import { AUTH_CONFIG } from '../tokens';
import type { AuthConfig } from '../config';
import { Passwords, passwordWeakness } from './passwords';
import { authError } from './user.errors';
import { toUserResponse, UsersRepository } from './users.repository';

interface NewUser {
  email: string;
  password: string;
  role: Role;
  displayName?: string | undefined;
}

/** Creates users (admin API, signup, first admin); the one place a password becomes a hash. */
@Injectable()
export class CreateUserUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly users: UsersRepository,
    private readonly passwords: Passwords,
    private readonly outbox: Outbox,
  ) {}

  async execute(input: NewUser, ctx: Pick<RequestContext, 'actor' | 'requestId'>): Promise<UserResponse> {
    const weak = passwordWeakness(input.password, input.email);
    if (weak) throw authError.weakPassword(weak);
    const hash = await this.passwords.hash(input.password);
    try {
      return await this.tx.run(async (em) => {
        if (await this.users.byEmail(em, input.email)) throw authError.emailTaken();
        const now = new Date();
        const user = await this.users.insert(em, { id: uuidv7(), email: input.email, display_name: input.displayName ?? null, password_hash: hash, role: input.role, disabled: false, created_at: now, updated_at: now });
        const response = toUserResponse(user);
        await this.outbox.add(em, { subject: USER_CREATED, actor: ctx.actor, correlationId: ctx.requestId, aggregate: { type: 'user', id: user.id }, payload: { id: user.id, email: user.email, role: user.role, displayName: user.display_name }, after: response });
        return response;
      });
    } catch (e) {
      if ((e as { driverError?: { constraint?: string } }).driverError?.constraint === 'users_email_key') throw authError.emailTaken();
      throw e;
    }
  }
}

/** Role changes, disable/enable and display names, each with its own event. */
@Injectable()
export class UpdateUserUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly users: UsersRepository,
    private readonly outbox: Outbox,
  ) {}

  async execute(id: string, cmd: UpdateUserRequest, ctx: RequestContext): Promise<UserResponse> {
    if (!UUID_PATTERN.test(id)) throw authError.userNotFound(id);
    return this.tx.run(async (em) => {
      const before = await this.users.byId(em, id, true);
      if (!before) throw authError.userNotFound(id);
      const base = { actor: ctx.actor, correlationId: ctx.requestId, aggregate: { type: 'user', id } };
      const losesAdmin = before.role === 'admin' && !before.disabled && ((cmd.role !== undefined && cmd.role !== 'admin') || cmd.disabled === true);
      if (losesAdmin && (await this.users.enabledAdmins(em)) <= 1) throw authError.lastAdmin();

      let user = before;
      if (cmd.displayName !== undefined && cmd.displayName !== user.display_name) user = await this.users.update(em, id, { display_name: cmd.displayName });
      if (cmd.role !== undefined && cmd.role !== user.role) {
        user = await this.users.update(em, id, { role: cmd.role });
        await this.outbox.add(em, { ...base, subject: USER_ROLE_CHANGED, payload: { id, from: before.role, to: cmd.role }, before: { role: before.role }, after: { role: cmd.role } });
      }
      if (cmd.disabled === true && !user.disabled) {
        user = await this.users.update(em, id, { disabled: true });
        const revoked = await revokeCredentials(em, id);
        await this.outbox.add(em, { ...base, subject: USER_DISABLED, payload: { id, ...revoked }, before: { disabled: false }, after: { disabled: true } });
      } else if (cmd.disabled === false && user.disabled) {
        user = await this.users.update(em, id, { disabled: false, failed_logins: 0, locked_until: null });
        await this.outbox.add(em, { ...base, subject: USER_ENABLED, payload: { id }, before: { disabled: true }, after: { disabled: false } });
      }
      return toUserResponse(user);
    });
  }
}

/** Sets a new password and ends every session of the user (their API keys stay). */
@Injectable()
export class ResetPasswordUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly users: UsersRepository,
    private readonly passwords: Passwords,
    private readonly outbox: Outbox,
  ) {}

  async execute(id: string, password: string, ctx: RequestContext): Promise<void> {
    if (!UUID_PATTERN.test(id)) throw authError.userNotFound(id);
    const existing = await this.users.byId(this.tx.manager(), id);
    if (!existing) throw authError.userNotFound(id);
    const weak = passwordWeakness(password, existing.email);
    if (weak) throw authError.weakPassword(weak);
    const hash = await this.passwords.hash(password);
    await this.tx.run(async (em) => {
      await this.users.update(em, id, { password_hash: hash, failed_logins: 0, locked_until: null });
      const revokedRefreshTokens = await revokeRefreshTokens(em, id);
      await this.outbox.add(em, { subject: USER_PASSWORD_RESET, actor: ctx.actor, correlationId: ctx.requestId, aggregate: { type: 'user', id }, payload: { id, revokedRefreshTokens } });
    });
  }
}

@Injectable()
export class ListUsersQuery {
  constructor(private readonly users: UsersRepository) {}

  async execute(q: PageQuery): Promise<UserPageResponse> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    let after: string | null = null;
    if (q.cursor) {
      try {
        after = String(decodeCursor(q.cursor, 1)[0]);
        if (!UUID_PATTERN.test(after)) throw new InvalidCursorError();
      } catch {
        throw authError.invalidCursor();
      }
    }
    const rows = await this.users.page(after, limit + 1);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(toUserResponse), nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
  }
}

/** First boot: with no user at all, create the administrator from SHIPYARD_ADMIN_EMAIL/PASSWORD. */
@Injectable()
export class BootstrapAdmin {
  private readonly logger = new Logger('bootstrap-admin');

  constructor(
    @Inject(AUTH_CONFIG) private readonly config: AuthConfig,
    private readonly users: UsersRepository,
    private readonly createUser: CreateUserUseCase,
  ) {}

  async run(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const production = this.config.SHIPYARD_ENV === 'production';
    let email = this.config.SHIPYARD_ADMIN_EMAIL;
    let password = this.config.SHIPYARD_ADMIN_PASSWORD;
    if (!email || !password) {
      if (production) throw new Error('SHIPYARD_ADMIN_EMAIL and SHIPYARD_ADMIN_PASSWORD are required for the first boot when SHIPYARD_ENV=production');
      email = 'admin@shipyard.local';
      password = 'shipyard-dev-password';
      this.logger.warn(`DEVELOPMENT: created the first admin ${email} with the documented development password; set SHIPYARD_ADMIN_EMAIL/SHIPYARD_ADMIN_PASSWORD for anything real`);
    }
    try {
      await this.createUser.execute({ email, password, role: 'admin', displayName: 'Administrator' }, { actor: SYSTEM_ACTOR, requestId: 'bootstrap' });
      this.logger.log(`first administrator created: ${email}`);
    } catch (e) {
      if ((e as { code?: string }).code === 'EMAIL_TAKEN') return; // another replica won the race
      if ((e as { code?: string }).code === 'WEAK_PASSWORD' && !production) throw e;
      throw new Error(`SHIPYARD_ADMIN_PASSWORD is not acceptable: ${(e as Error).message}`);
    }
  }
}

export async function revokeRefreshTokens(em: EntityManager, userId: string): Promise<number> {
  const rows = await queryReturning<{ id: string }>(em, 'UPDATE auth.refresh_tokens SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id', [userId]);
  return rows.length;
}

async function revokeCredentials(em: EntityManager, userId: string): Promise<{ revokedRefreshTokens: number; revokedApiKeys: number }> {
  const revokedRefreshTokens = await revokeRefreshTokens(em, userId);
  const keys = await queryReturning<{ id: string }>(em, 'UPDATE auth.api_keys SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL RETURNING id', [userId]);
  return { revokedRefreshTokens, revokedApiKeys: keys.length };
}
