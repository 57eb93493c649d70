import { effectivePermissions, isRole, isScope, ROLE_PERMISSIONS, ROLES, SCOPES } from './permissions';

describe('RBAC matrix', () => {
  it('grows monotonically from viewer to admin', () => {
    for (let i = 1; i < ROLES.length; i++) {
      const lower = ROLE_PERMISSIONS[ROLES[i - 1] as (typeof ROLES)[number]];
      const higher = ROLE_PERMISSIONS[ROLES[i] as (typeof ROLES)[number]];
      expect(higher).toEqual(expect.arrayContaining([...lower]));
    }
  });

  it('keeps approval and audit away from data scientists, and admin to admins', () => {
    expect(ROLE_PERMISSIONS['data-scientist']).not.toContain('models:approve');
    expect(ROLE_PERMISSIONS.approver).toContain('models:approve');
    expect(ROLES.filter((r) => ROLE_PERMISSIONS[r].includes('admin'))).toEqual(['admin']);
  });

  it('caps an API key by its owner’s role', () => {
    expect(effectivePermissions('viewer', ['models:read', 'models:write', 'admin'])).toEqual(['models:read']);
    expect(effectivePermissions('data-scientist', ['predict'])).toEqual(['predict']);
    expect(effectivePermissions('approver', ['models:read'])).toEqual(['models:read']);
  });

  it('never lets a scope grant approval on its own; the admin scope of an admin carries everything', () => {
    for (const s of SCOPES.filter((x) => x !== 'admin')) expect(effectivePermissions('admin', [s])).toEqual([s]);
    expect(effectivePermissions('admin', ['admin']).sort()).toEqual([...ROLE_PERMISSIONS.admin].sort());
  });

  it('recognises roles and scopes', () => {
    expect(isRole('approver')).toBe(true);
    expect(isRole('root')).toBe(false);
    expect(isScope('predict')).toBe(true);
    expect(isScope('models:approve')).toBe(false);
  });
});
