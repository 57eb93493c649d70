import { z } from 'zod';
import { ROLES, SCOPES } from './permissions';

export const USER_CREATED = 'shipyard.auth.user.created.v1' as const;
export const USER_ROLE_CHANGED = 'shipyard.auth.user.role_changed.v1' as const;
export const USER_DISABLED = 'shipyard.auth.user.disabled.v1' as const;
export const USER_ENABLED = 'shipyard.auth.user.enabled.v1' as const;
export const USER_PASSWORD_RESET = 'shipyard.auth.user.password_reset.v1' as const;
export const API_KEY_CREATED = 'shipyard.auth.api_key.created.v1' as const;
export const API_KEY_REVOKED = 'shipyard.auth.api_key.revoked.v1' as const;
export const LOGIN_SUCCEEDED = 'shipyard.auth.user.login_succeeded.v1' as const;
export const LOGIN_FAILED = 'shipyard.auth.user.login_failed.v1' as const;
/** A session (a refresh-token family, the `sid` of its access tokens) ended before its time: gateways refuse its access tokens. */
export const SESSION_REVOKED = 'shipyard.auth.session.revoked.v1' as const;

const role = z.enum(ROLES);

export const UserCreatedPayload = z.object({ id: z.uuid(), email: z.string(), role, displayName: z.string().nullable() }).strict();
export const UserRoleChangedPayload = z.object({ id: z.uuid(), from: role, to: role }).strict();
export const UserDisabledPayload = z.object({ id: z.uuid(), revokedRefreshTokens: z.number().int(), revokedApiKeys: z.number().int() }).strict();
export const UserEnabledPayload = z.object({ id: z.uuid() }).strict();
export const UserPasswordResetPayload = z.object({ id: z.uuid(), revokedRefreshTokens: z.number().int() }).strict();
export const ApiKeyCreatedPayload = z.object({ id: z.uuid(), ownerId: z.uuid(), name: z.string(), prefix: z.string(), scopes: z.array(z.enum(SCOPES)), expiresAt: z.string().nullable() }).strict();
export const ApiKeyRevokedPayload = z.object({ id: z.uuid(), ownerId: z.uuid(), prefix: z.string() }).strict();
export const LoginSucceededPayload = z.object({ userId: z.uuid(), ip: z.string().nullable() }).strict();
/** Never the password; the email as typed (lower-cased) so brute force on an account is visible. */
export const LoginFailedPayload = z.object({ email: z.string(), userId: z.uuid().nullable(), reason: z.enum(['unknown_email', 'bad_password', 'disabled', 'locked']), ip: z.string().nullable() }).strict();
/** `id` is the session's id (the access tokens' `sid`); `refresh_token_reused`: a spent refresh token came back (a leak), so the whole session was ended. */
export const SessionRevokedPayload = z.object({ id: z.uuid(), userId: z.uuid(), reason: z.enum(['logout', 'refresh_token_reused']), revokedRefreshTokens: z.number().int() }).strict();

export const AUTH_EVENTS = {
  [USER_CREATED]: UserCreatedPayload,
  [USER_ROLE_CHANGED]: UserRoleChangedPayload,
  [USER_DISABLED]: UserDisabledPayload,
  [USER_ENABLED]: UserEnabledPayload,
  [USER_PASSWORD_RESET]: UserPasswordResetPayload,
  [API_KEY_CREATED]: ApiKeyCreatedPayload,
  [API_KEY_REVOKED]: ApiKeyRevokedPayload,
  [LOGIN_SUCCEEDED]: LoginSucceededPayload,
  [LOGIN_FAILED]: LoginFailedPayload,
  [SESSION_REVOKED]: SessionRevokedPayload,
} as const;
