/**
 * Roles, permissions and API key scopes: the one source of truth. The gateway enforces it on every
 * route, the auth service uses it to cap API keys, and the README renders it.
 */
export const ROLES = ['viewer', 'data-scientist', 'approver', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** What an API key may be limited to (a key never grants more than its owner's role). */
export const SCOPES = ['models:read', 'models:write', 'experiments:read', 'experiments:write', 'predict', 'audit:read', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

/** Permissions a route can require. `models:approve` is role-only: no API key scope grants it. */
export const PERMISSIONS = [...SCOPES, 'models:approve'] as const;
export type Permission = (typeof PERMISSIONS)[number];

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = Object.freeze({
  viewer: ['models:read', 'experiments:read'],
  'data-scientist': ['models:read', 'models:write', 'experiments:read', 'experiments:write', 'predict'],
  approver: ['models:read', 'models:write', 'experiments:read', 'experiments:write', 'predict', 'models:approve', 'audit:read'],
  admin: ['models:read', 'models:write', 'experiments:read', 'experiments:write', 'predict', 'models:approve', 'audit:read', 'admin'],
});

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

export function isScope(value: unknown): value is Scope {
  return typeof value === 'string' && (SCOPES as readonly string[]).includes(value);
}

/** What a principal may do: a user gets its role's permissions; an API key, its scopes within its owner's role. */
export function effectivePermissions(role: Role, scopes?: readonly Scope[]): Permission[] {
  const granted = ROLE_PERMISSIONS[role];
  if (!scopes) return [...granted];
  // `admin` scope on an admin's key carries every admin permission, approval included.
  const wanted = new Set<Permission>(scopes.includes('admin') && role === 'admin' ? granted : scopes);
  return granted.filter((p) => wanted.has(p));
}
