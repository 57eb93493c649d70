import { Principal } from './principal';
import { TokenRevocations } from './revocations';
import { presentedCredential } from './strategies';
import { clientIpTracker, principalTracker, rateLimitCounter } from './throttle.guard';

describe('presentedCredential', () => {
  const req = (headers: Record<string, string>) => ({ headers });

  it('reads a JWT or an API key from Authorization, and an API key from X-API-Key', () => {
    expect(presentedCredential(req({ authorization: 'Bearer eyJ.a.b' }))).toEqual({ kind: 'jwt', value: 'eyJ.a.b' });
    expect(presentedCredential(req({ authorization: 'bearer shp_abc_def' }))).toEqual({ kind: 'api_key', value: 'shp_abc_def' });
    expect(presentedCredential(req({ 'x-api-key': 'shp_abc_def', authorization: 'Bearer eyJ.a.b' }))).toEqual({ kind: 'api_key', value: 'shp_abc_def' });
  });

  it('ignores other schemes and malformed headers', () => {
    expect(presentedCredential(req({ authorization: 'Basic Zm9vOmJhcg==' }))).toBeNull();
    expect(presentedCredential(req({ authorization: 'Bearer' }))).toBeNull();
    expect(presentedCredential(req({ authorization: 'Bearer a b' }))).toBeNull();
    expect(presentedCredential(req({}))).toBeNull();
  });
});

describe('TokenRevocations', () => {
  it('refuses tokens issued before the revocation, accepts later ones, and forgets after the token lifetime', () => {
    const r = new TokenRevocations();
    r.revokeUserTokensIssuedBefore('u1', 1000.5, 900);
    expect(r.isRevoked('u1', 1000.4, 1001)).toBe(true);
    expect(r.isRevoked('u1', 1000.6, 1001)).toBe(false);
    expect(r.isRevoked('u2', 10, 1001)).toBe(false);
    expect(r.isRevoked('u1', 1000.4, 1901)).toBe(false);
  });

  it('refuses every token of a revoked session until the longest token lifetime has passed', () => {
    const r = new TokenRevocations();
    r.revokeSession('s1', 1000.5, 900);
    expect(r.isSessionRevoked('s1', 1001)).toBe(true);
    expect(r.isSessionRevoked('s2', 1001)).toBe(false);
    expect(r.isRevoked('u1', 1000, 1001)).toBe(false);
    expect(r.isSessionRevoked('s1', 1901)).toBe(false);
  });

  it('drops expired entries as new ones come, even those nobody asks about again', () => {
    const r = new TokenRevocations();
    for (let i = 0; i < 100; i++) r.revokeSession(`s${i}`, 1000 + i, 900);
    r.revokeUserTokensIssuedBefore('u1', 1000, 900);
    expect(r.size).toBe(101);
    r.revokeSession('late', 1950.5, 900);
    r.revokeUserTokensIssuedBefore('u2', 1950.5, 900);
    // Sessions revoked at 1000-1050 expired by 1950.5; s51…s99 and the late one remain; u1 went too.
    expect(r.size).toBe(49 + 1 + 1);
    expect(r.isSessionRevoked('s99', 1951)).toBe(true);
  });
});

describe('rate-limit counters', () => {
  const principal = (actor: Principal['actor'], userId: string): Principal => ({ actor, userId, role: 'data-scientist', permissions: new Set(['predict']), via: actor.type === 'api_key' ? 'api_key' : 'jwt' });

  it('count a user, whether they come with an access token or any of their API keys', () => {
    const viaJwt = principalTracker({ user: principal({ type: 'user', id: 'u1' }, 'u1'), ip: '192.0.2.1' });
    expect(principalTracker({ user: principal({ type: 'api_key', id: 'k1' }, 'u1'), ip: '192.0.2.2' })).toBe(viaJwt);
    expect(principalTracker({ user: principal({ type: 'api_key', id: 'k2' }, 'u1') })).toBe(viaJwt);
    expect(principalTracker({ user: principal({ type: 'api_key', id: 'k3' }, 'u2') })).not.toBe(viaJwt);
  });

  it('count the client IP where nobody is authenticated, apart from any user', () => {
    expect(principalTracker({ ip: '192.0.2.1' })).toBe(clientIpTracker({ ip: '192.0.2.1' }));
    expect(clientIpTracker({ ip: '192.0.2.1' })).not.toBe(clientIpTracker({ ip: '192.0.2.2' }));
    expect(clientIpTracker({ ip: 'u1' })).not.toBe(principalTracker({ user: principal({ type: 'user', id: 'u1' }, 'u1') }));
  });

  it('name one counter per tracker, with nothing of the route in it', () => {
    expect(rateLimitCounter('user:u1')).toMatch(/^[0-9a-f]{64}$/);
    expect(rateLimitCounter('user:u1')).toBe(rateLimitCounter('user:u1'));
    expect(rateLimitCounter('user:u1')).not.toBe(rateLimitCounter('user:u2'));
  });
});
