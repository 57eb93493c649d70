import { ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';

export enum AuthErrorCode {
  InvalidCredentials = 'INVALID_CREDENTIALS',
  InvalidRefreshToken = 'INVALID_REFRESH_TOKEN',
  AccountLocked = 'ACCOUNT_LOCKED',
  UserNotFound = 'USER_NOT_FOUND',
  EmailTaken = 'EMAIL_TAKEN',
  WeakPassword = 'WEAK_PASSWORD',
  SignupDisabled = 'SIGNUP_DISABLED',
  ApiKeyNotFound = 'API_KEY_NOT_FOUND',
  InvalidApiKey = 'INVALID_API_KEY',
  ScopeExceedsRole = 'SCOPE_EXCEEDS_ROLE',
  InvalidExpiry = 'INVALID_EXPIRY',
  LastAdmin = 'LAST_ADMIN',
  Forbidden = 'FORBIDDEN',
  InvalidCursor = 'INVALID_CURSOR',
}

export const authError = {
  invalidCredentials: () => new DomainError(AuthErrorCode.InvalidCredentials, ErrorKind.Unauthenticated, 'email or password is wrong'),
  invalidRefreshToken: () => new DomainError(AuthErrorCode.InvalidRefreshToken, ErrorKind.Unauthenticated, 'refresh token is invalid, expired or revoked; log in again'),
  locked: (retryAfterS: number) => new DomainError(AuthErrorCode.AccountLocked, ErrorKind.RateLimited, `too many failed logins; retry in ${retryAfterS} s`, { retryAfterSeconds: retryAfterS }),
  userNotFound: (id: string) => new DomainError(AuthErrorCode.UserNotFound, ErrorKind.NotFound, `user ${id} was not found`),
  emailTaken: () => new DomainError(AuthErrorCode.EmailTaken, ErrorKind.Conflict, 'a user with this email already exists'),
  weakPassword: (why: string) => new DomainError(AuthErrorCode.WeakPassword, ErrorKind.InvalidInput, `password ${why}`),
  signupDisabled: () => new DomainError(AuthErrorCode.SignupDisabled, ErrorKind.Forbidden, 'self-signup is disabled; ask an administrator for an account'),
  apiKeyNotFound: (id: string) => new DomainError(AuthErrorCode.ApiKeyNotFound, ErrorKind.NotFound, `API key ${id} was not found`),
  invalidApiKey: () => new DomainError(AuthErrorCode.InvalidApiKey, ErrorKind.Unauthenticated, 'API key is invalid, expired or revoked'),
  scopeExceedsRole: (scopes: string[]) => new DomainError(AuthErrorCode.ScopeExceedsRole, ErrorKind.Forbidden, `your role does not grant: ${scopes.join(', ')}`),
  invalidExpiry: () => new DomainError(AuthErrorCode.InvalidExpiry, ErrorKind.InvalidInput, 'expiresAt must be in the future'),
  lastAdmin: () => new DomainError(AuthErrorCode.LastAdmin, ErrorKind.Conflict, 'this would leave no enabled administrator'),
  forbidden: (why: string) => new DomainError(AuthErrorCode.Forbidden, ErrorKind.Forbidden, why),
  invalidCursor: () => new DomainError(AuthErrorCode.InvalidCursor, ErrorKind.InvalidInput, 'cursor is not one this server issued'),
};
