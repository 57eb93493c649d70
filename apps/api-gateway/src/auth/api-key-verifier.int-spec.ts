import type { VerifiedApiKey } from '@shipyard/contracts';
import { StandInServer } from '../../test/stand-in-server';
import { loadGatewayConfig } from '../config';
import { Upstreams } from '../proxy/upstreams';
import { ApiKeyVerifier } from './api-key-verifier';

const KEY = 'shp_abcdefghij_secret';
const VERIFIED: VerifiedApiKey = { keyId: 'k1', userId: 'u1', role: 'data-scientist', scopes: ['predict'], expiresAt: null };
const TTL_MS = 10_000;

/** The auth service's internal verify route: answers with what `answer` says (a 200 with the key, or a refusal). */
class StandInAuth extends StandInServer {
  answer: { status: number; body?: unknown } = { status: 200, body: VERIFIED };

  constructor() {
    super((req, body) => {
      expect(req.url).toBe('/internal/v1/api-keys/verify');
      expect(JSON.parse(body)).toEqual({ key: KEY });
      return { status: this.answer.status, body: JSON.stringify(this.answer.body ?? { error: 'no' }) };
    });
  }

  get lookups(): number {
    return this.requests;
  }
}

/** Lets the pending HTTP exchanges and promise callbacks run (real I/O; only Date is faked). */
const settle = async (until: () => boolean) => {
  for (let i = 0; i < 500 && !until(); i++) await new Promise((r) => setTimeout(r, 2));
  expect(until()).toBe(true);
};

describe('ApiKeyVerifier (against a stand-in auth service on loopback)', () => {
  let auth: StandInAuth;
  let upstreams: Upstreams;
  let verifier: ApiKeyVerifier;

  beforeEach(async () => {
    // Only Date is fake (cache times); timers, I/O and promises are real.
    jest.useFakeTimers({ doNotFake: ['nextTick', 'setImmediate', 'clearImmediate', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'queueMicrotask', 'hrtime', 'performance'] });
    jest.setSystemTime(new Date('2026-12-07T12:00:00Z'));
    auth = new StandInAuth();
    const config = loadGatewayConfig({ SHIPYARD_AUTH_URL: await auth.url(), SHIPYARD_GATEWAY_API_KEY_CACHE_MS: String(TTL_MS) });
    upstreams = new Upstreams(config);
    verifier = new ApiKeyVerifier(config, upstreams);
  });

  afterEach(async () => {
    jest.useRealTimers();
    auth.release();
    await upstreams.onApplicationShutdown();
    await auth.close();
  });

  const advance = (ms: number) => jest.setSystemTime(Date.now() + ms);

  it('answers concurrent requests with an uncached key from one lookup', async () => {
    auth.hold = true;
    const answers = Array.from({ length: 50 }, () => verifier.verify(KEY));
    await settle(() => auth.lookups === 1);
    auth.release();
    const principals = await Promise.all(answers);
    expect(auth.lookups).toBe(1);
    for (const p of principals) expect(p?.actor).toEqual({ type: 'api_key', id: 'k1' });
    expect(principals[0]?.permissions.has('predict')).toBe(true);
    expect(verifier.cached(KEY)?.userId).toBe('u1');
  });

  it('looks a key in use up again in the background before its entry expires, so no request waits for auth', async () => {
    await verifier.verify(KEY);
    advance(TTL_MS * 0.5);
    expect(verifier.cached(KEY)).toBeDefined();
    expect(auth.lookups).toBe(1); // not yet due

    advance(TTL_MS * 0.3); // 80 % of the cache time: due
    auth.hold = true;
    for (let i = 0; i < 20; i++) expect(verifier.cached(KEY)?.actor.id).toBe('k1'); // served at once while auth is asked
    await settle(() => auth.lookups === 2);
    auth.release();
    await settle(() => verifier.lookupsInFlight === 0);
    expect(auth.lookups).toBe(2); // one background lookup for the 20 requests

    advance(TTL_MS * 0.5); // past the first entry's time, within the refreshed one's
    expect(verifier.cached(KEY)?.actor.id).toBe('k1');
    expect(auth.lookups).toBe(2);
  });

  it('drops the entry when a background lookup finds the key revoked', async () => {
    await verifier.verify(KEY);
    advance(TTL_MS * 0.8);
    auth.answer = { status: 401 };
    expect(verifier.cached(KEY)).toBeDefined(); // still within its time: served, and checked again
    await settle(() => auth.lookups === 2 && verifier.lookupsInFlight === 0);
    expect(verifier.cached(KEY)).toBeUndefined();
    await expect(verifier.verify(KEY)).resolves.toBeNull();
  });

  it('keeps an entry until its time when auth cannot be reached, and trusts it no longer', async () => {
    await verifier.verify(KEY);
    advance(TTL_MS * 0.8);
    auth.answer = { status: 503 };
    expect(verifier.cached(KEY)).toBeDefined();
    await settle(() => auth.lookups === 2 && verifier.lookupsInFlight === 0);
    expect(verifier.cached(KEY)).toBeDefined(); // the failed lookup leaves it to expire on time
    expect(auth.lookups).toBe(2); // and the next try waits a second
    advance(TTL_MS * 0.21);
    expect(verifier.cached(KEY)).toBeUndefined();
    await expect(verifier.verify(KEY)).rejects.toThrow('could not check the API key');
  });

  it('never caches, nor shares with later requests, an answer given before a revocation', async () => {
    auth.hold = true;
    const before = verifier.verify(KEY);
    await settle(() => auth.lookups === 1);
    verifier.forgetKey('k1'); // the revocation event arrives while auth is answering
    auth.answer = { status: 401 };
    const after = verifier.verify(KEY); // must not join the lookup that started before
    await settle(() => auth.lookups === 2);
    auth.release();
    await expect(before).resolves.not.toBeNull(); // asked before the revocation
    await expect(after).resolves.toBeNull();
    expect(verifier.cached(KEY)).toBeUndefined();
  });

  it('trusts a key no longer than its own expiry and does not look it up again for nothing', async () => {
    auth.answer = { status: 200, body: { ...VERIFIED, expiresAt: new Date(Date.now() + TTL_MS / 2).toISOString() } };
    await verifier.verify(KEY);
    advance(TTL_MS * 0.45);
    expect(verifier.cached(KEY)).toBeDefined();
    await new Promise((r) => setTimeout(r, 20));
    expect(auth.lookups).toBe(1);
    advance(TTL_MS * 0.06);
    expect(verifier.cached(KEY)).toBeUndefined();
  });
});
