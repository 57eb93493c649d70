import { TokenRevocations } from './revocations';
import { presentedCredential } from './strategies';

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
});
