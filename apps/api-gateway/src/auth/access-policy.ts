import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiSecurity } from '@nestjs/swagger';
import { ErrorResponse, Permission } from '@shipyard/contracts';

export const ACCESS_POLICY = 'shipyard:access-policy';

/** Every gateway route declares exactly one of these; a route without one stops the gateway at boot. */
export type AccessPolicy = { kind: 'public'; login?: boolean } | { kind: 'authenticated' } | { kind: 'permission'; permission: Permission };

const authResponses = () => [
  ApiBearerAuth(),
  ApiSecurity('api-key'),
  ApiResponse({ status: 401, type: ErrorResponse, description: 'Missing, invalid or expired credentials' }),
  ApiResponse({ status: 429, type: ErrorResponse, description: 'Rate limited; see Retry-After' }),
];

/** No credentials needed. `login` marks routes under the stricter per-IP login limit. */
export const Public = (opts: { login?: boolean } = {}) => SetMetadata(ACCESS_POLICY, { kind: 'public', ...opts } satisfies AccessPolicy);

/** Any authenticated principal (a user's own resources). */
export const Authenticated = () => applyDecorators(SetMetadata(ACCESS_POLICY, { kind: 'authenticated' } satisfies AccessPolicy), ...authResponses());

/** A principal whose effective permissions include `permission`. */
export const RequirePermission = (permission: Permission) =>
  applyDecorators(SetMetadata(ACCESS_POLICY, { kind: 'permission', permission } satisfies AccessPolicy), ...authResponses(), ApiResponse({ status: 403, type: ErrorResponse, description: `Requires ${permission}` }));
