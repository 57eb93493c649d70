import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, JWK, SignJWT } from 'jose';
import { StandInServer } from '../../test/stand-in-server';
import { loadGatewayConfig } from '../config';
import { JwtVerifier } from './jwt-verifier';
import { TokenRevocations } from './revocations';

type Key = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** The auth service's JWKS route: serves `keys`. */
class StandInJwks extends StandInServer {
  keys: JWK[] = [];

  constructor() {
    super((req) => {
      expect(req.url).toBe('/.well-known/jwks.json');
      return { status: 200, body: JSON.stringify({ keys: this.keys }) };
    });
  }

  get fetches(): number {
    return this.requests;
  }
}

async function signingKey(kid: string): Promise<{ key: Key; jwk: JWK }> {
  const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  return { key: privateKey, jwk: { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' } };
}

describe('JwtVerifier (against a stand-in JWKS on loopback)', () => {
  const user = randomUUID();
  let jwks: StandInJwks;
  let verifier: JwtVerifier;
  const token = (key: Key, kid: string) =>
    new SignJWT({ role: 'viewer' }).setProtectedHeader({ alg: 'EdDSA', kid }).setSubject(user).setIssuer('shipyard').setAudience('shipyard-api').setIssuedAt().setNotBefore('0s').setExpirationTime('10m').sign(key);

  beforeEach(async () => {
    // Only Date is fake (the refresh clock); timers, I/O and promises are real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    jwks = new StandInJwks();
    verifier = new JwtVerifier(loadGatewayConfig({ SHIPYARD_AUTH_URL: await jwks.url() }), new TokenRevocations());
  });

  afterEach(async () => {
    jest.useRealTimers();
    await jwks.close();
  });

  it('refreshes the key set every 5 minutes in the background: requests meanwhile verify against the current set', async () => {
    const a = await signingKey('a');
    jwks.keys = [a.jwk];
    const t = await token(a.key, 'a');
    expect((await verifier.verify(t))?.userId).toBe(user);
    expect(jwks.fetches).toBe(1);

    jest.setSystemTime(Date.now() + 5 * 60_000 + 1);
    jwks.hold = true;
    // The refresh is under way and held: these answer anyway.
    for (let i = 0; i < 5; i++) expect((await verifier.verify(t))?.userId).toBe(user);
    expect(jwks.fetches).toBe(2);
    jwks.release();
  });

  it('waits for a refresh when a token names an unknown key (a rollover), and picks the new key up', async () => {
    const a = await signingKey('a');
    const b = await signingKey('b');
    jwks.keys = [a.jwk];
    expect(await verifier.verify(await token(a.key, 'a'))).not.toBeNull();
    jwks.keys = [a.jwk, b.jwk];
    expect(await verifier.verify(await token(b.key, 'b'))).toBeNull(); // within 10 s of the last fetch: no refetch
    jest.setSystemTime(Date.now() + 10_001);
    expect((await verifier.verify(await token(b.key, 'b')))?.userId).toBe(user);
    expect(jwks.fetches).toBe(2);
  });
});
