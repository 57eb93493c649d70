import { exportJWK, generateKeyPair, SignJWT, base64url } from 'jose';
import { createHmac, randomUUID } from 'node:crypto';
import { ADMIN, TestStack, waitFor } from '@shipyard/testing';
import { auditEvents, request } from './http';

/** The secret part of `shp_<prefix>_<secret>`: base64url, so it may itself contain '_' (split('_')[2] would cut it short). */
const secretOf = (key: string): string => key.split('_').slice(2).join('_');

interface Tokens {
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
  tokenType: string;
}
interface Err {
  error: { code: string; message: string };
}

/** Two signing keys: the first signs, the second is still published (a rollover in progress). */
async function signingKeys() {
  const make = async (kid: string) => {
    const { privateKey, publicKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
    return { kid, privateKey, publicKey, jwk: { ...(await exportJWK(privateKey)), kid } };
  };
  return [await make('current-key'), await make('previous-key')] as const;
}

describe('authentication and tokens (services as processes)', () => {
  let stack: TestStack;
  let gw: string;
  let keys: Awaited<ReturnType<typeof signingKeys>>;
  let admin: { url: string; token: string };

  beforeAll(async () => {
    keys = await signingKeys();
    stack = await TestStack.start({
      services: ['audit', 'registry', 'api-gateway'],
      env: { SHIPYARD_JWT_PRIVATE_KEYS: JSON.stringify(keys.map((k) => k.jwk)), SHIPYARD_LOG_LEVEL: 'info', SHIPYARD_ACCESS_TOKEN_TTL_S: '60' },
    });
    gw = stack.url('api-gateway');
    admin = { url: gw, token: await stack.adminToken() };
  });

  afterAll(async () => {
    await stack?.stop();
  });

  const login = (email: string, password: string) => request<Tokens & Err>(gw, 'POST', '/api/v1/auth/login', { body: { email, password } });
  const me = (token: string) => request<{ id: string; role: string; permissions: string[]; via: string } & Err>(gw, 'GET', '/api/v1/auth/me', { token });

  /** Signs a token with one of the stack's keys (or any key), to forge the cases a verifier must refuse. */
  async function forge(claims: Record<string, unknown>, opts: { key?: (typeof keys)[number]; kid?: string; iat?: number; nbf?: number; exp?: number } = {}) {
    const key = opts.key ?? keys[0];
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'EdDSA', kid: opts.kid ?? key.kid, typ: 'JWT' })
      .setIssuer('shipyard')
      .setAudience('shipyard-api')
      .setIssuedAt(opts.iat ?? now)
      .setNotBefore(opts.nbf ?? now)
      .setExpirationTime(opts.exp ?? now + 60)
      .sign(key.privateKey);
  }

  it('logs in with email and password, case-insensitively, and answers who I am', async () => {
    const res = await login(ADMIN.email.toUpperCase(), ADMIN.password);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ accessToken: expect.any(String), refreshToken: expect.any(String), expiresIn: 60, tokenType: 'Bearer' });
    const header = JSON.parse(Buffer.from(res.body.accessToken.split('.')[0] ?? '', 'base64url').toString()) as { alg: string; kid: string };
    expect(header).toEqual({ alg: 'EdDSA', kid: 'current-key', typ: 'JWT' });
    const who = await me(res.body.accessToken);
    expect(who.status).toBe(200);
    expect(who.body).toMatchObject({ role: 'admin', via: 'user', permissions: expect.arrayContaining(['admin', 'models:write', 'audit:read']) });
  });

  it('refuses wrong passwords and unknown emails with the same answer', async () => {
    const wrong = await login(ADMIN.email, 'not-the-password');
    const unknown = await login('nobody@example.com', 'whatever-password');
    expect([wrong.status, unknown.status]).toEqual([401, 401]);
    expect(wrong.body.error).toEqual({ code: 'INVALID_CREDENTIALS', message: 'email or password is wrong', requestId: expect.any(String) });
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
  });

  it('records the connecting client’s IP in login events, not one claimed in X-Forwarded-For (SHIPYARD_TRUST_PROXY unset)', async () => {
    const requestId = `spoof-${randomUUID()}`;
    const spoofed = await request<Err>(gw, 'POST', '/api/v1/auth/login', { body: { email: `spoofer-${randomUUID().slice(0, 6)}@example.com`, password: 'not-the-password' }, headers: { 'x-forwarded-for': '203.0.113.77', 'x-request-id': requestId } });
    expect(spoofed.status).toBe(401);
    const [event] = await waitFor('login_failed audited', async () => {
      const rows = await auditEvents(admin, { correlationId: requestId, subject: 'shipyard.auth.user.login_failed.v1' });
      return rows.length > 0 ? rows : null;
    }, 15_000);
    expect(event?.payload.ip).toMatch(/^(127\.0\.0\.1|::1|::ffff:127\.0\.0\.1)$/);
  });

  it('refuses JSON nested thousands of levels deep with 400 VALIDATION_FAILED, before any validation recurses', async () => {
    for (const raw of [`${'['.repeat(100_000)}${']'.repeat(100_000)}`, `{"email":${'{"a":'.repeat(5000)}1${'}'.repeat(5000)},"password":"x"}`]) {
      const res = await request<Err>(gw, 'POST', '/api/v1/auth/login', { raw });
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
    }
    expect((await request(admin, 'POST', '/api/v1/models', { raw: `{"name":"deep","tags":${'['.repeat(5000)}${']'.repeat(5000)}}` })).status).toBe(400);
  });

  it('publishes a JWKS with both keys of a rollover, and accepts tokens signed by the previous key', async () => {
    const jwks = await request<{ keys: Array<{ kid: string; d?: string }> }>(gw, 'GET', '/.well-known/jwks.json');
    expect(jwks.body.keys.map((k) => k.kid)).toEqual(['current-key', 'previous-key']);
    expect(jwks.body.keys.every((k) => k.d === undefined)).toBe(true);
    const adminId = (await me(admin.token)).body.id;
    expect((await me(await forge({ sub: adminId, role: 'admin' }, { key: keys[1] }))).status).toBe(200);
  });

  describe('JWT attacks are all 401', () => {
    let adminId: string;
    beforeAll(async () => {
      adminId = (await me(admin.token)).body.id;
    });

    const b64 = (o: object) => base64url.encode(JSON.stringify(o));
    const now = () => Math.floor(Date.now() / 1000);

    it('alg: none', async () => {
      const token = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ sub: adminId, role: 'admin', iss: 'shipyard', aud: 'shipyard-api', iat: now(), nbf: now(), exp: now() + 60 })}.`;
      expect((await me(token)).status).toBe(401);
    });

    it('HS256 signed with the public key as the HMAC secret', async () => {
      const header = b64({ alg: 'HS256', kid: 'current-key', typ: 'JWT' });
      const payload = b64({ sub: adminId, role: 'admin', iss: 'shipyard', aud: 'shipyard-api', iat: now(), nbf: now(), exp: now() + 60 });
      const publicX = (await exportJWK(keys[0].publicKey)).x ?? '';
      const sig = createHmac('sha256', publicX).update(`${header}.${payload}`).digest('base64url');
      expect((await me(`${header}.${payload}.${sig}`)).status).toBe(401);
    });

    it('a key the server does not know (wrong kid, foreign key)', async () => {
      const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
      const foreign = await new SignJWT({ sub: adminId, role: 'admin' }).setProtectedHeader({ alg: 'EdDSA', kid: 'current-key' }).setIssuer('shipyard').setAudience('shipyard-api').setIssuedAt().setNotBefore(now()).setExpirationTime('1m').sign(privateKey);
      expect((await me(foreign)).status).toBe(401);
      expect((await me(await forge({ sub: adminId, role: 'admin' }, { kid: 'no-such-kid' }))).status).toBe(401);
    });

    it('expired, and not yet valid', async () => {
      expect((await me(await forge({ sub: adminId, role: 'admin' }, { iat: now() - 600, nbf: now() - 600, exp: now() - 60 }))).status).toBe(401);
      expect((await me(await forge({ sub: adminId, role: 'admin' }, { nbf: now() + 600, exp: now() + 1200 }))).status).toBe(401);
    });

    it('a tampered payload (role raised) keeps the old signature and fails', async () => {
      const viewer = await stack.user(`tamper-${randomUUID().slice(0, 6)}@example.com`, 'viewer');
      const [h, p, s] = viewer.token.split('.') as [string, string, string];
      const claims = JSON.parse(Buffer.from(p, 'base64url').toString()) as Record<string, unknown>;
      const raised = `${h}.${b64({ ...claims, role: 'admin' })}.${s}`;
      expect((await request(gw, 'GET', '/api/v1/admin/users', { token: raised })).status).toBe(401);
      expect((await request(gw, 'GET', '/api/v1/admin/users', { token: viewer.token })).status).toBe(403);
    });

    it('wrong audience or issuer, and garbage', async () => {
      const wrongAud = await new SignJWT({ sub: adminId, role: 'admin' }).setProtectedHeader({ alg: 'EdDSA', kid: 'current-key' }).setIssuer('shipyard').setAudience('someone-else').setIssuedAt().setNotBefore(now()).setExpirationTime('1m').sign(keys[0].privateKey);
      expect((await me(wrongAud)).status).toBe(401);
      expect((await me('not.a.jwt')).status).toBe(401);
      expect((await request(gw, 'GET', '/api/v1/auth/me', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } })).status).toBe(401);
    });

    it('the token of a disabled user, and its refresh, once the user is disabled', async () => {
      const u = await stack.user(`disabled-${randomUUID().slice(0, 6)}@example.com`, 'data-scientist');
      const session = await login(u.email, u.password);
      expect((await me(session.body.accessToken)).status).toBe(200);
      expect((await request(admin, 'PATCH', `/api/v1/admin/users/${u.id}`, { body: { disabled: true } })).status).toBe(200);
      expect((await request(gw, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: session.body.refreshToken } })).status).toBe(401);
      expect((await login(u.email, u.password)).status).toBe(401);
      await waitFor('access token refused after disable', async () => (await me(session.body.accessToken)).status === 401, 5000);
    });
  });

  describe('refresh tokens', () => {
    it('rotate on every use; reusing a spent one revokes the whole session', async () => {
      const first = await login(ADMIN.email, ADMIN.password);
      const second = await request<Tokens>(gw, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
      expect(second.status).toBe(200);
      expect(second.body.refreshToken).not.toBe(first.body.refreshToken);
      const third = await request<Tokens>(gw, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: second.body.refreshToken } });
      expect(third.status).toBe(200);

      // The first token is replayed: the session (including the current, unspent token) dies.
      const replay = await request<Err>(gw, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
      expect(replay.status).toBe(401);
      expect(replay.body.error.code).toBe('INVALID_REFRESH_TOKEN');
      expect((await request(gw, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: third.body.refreshToken } })).status).toBe(401);
      // Another session of the same user is untouched.
      const other = await login(ADMIN.email, ADMIN.password);
      expect((await request(gw, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: other.body.refreshToken } })).status).toBe(200);
    });

    it('stop working after logout', async () => {
      const s = await login(ADMIN.email, ADMIN.password);
      expect((await request(gw, 'POST', '/api/v1/auth/logout', { body: { refreshToken: s.body.refreshToken } })).status).toBe(204);
      expect((await request(gw, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: s.body.refreshToken } })).status).toBe(401);
    });
  });

  describe('ending sessions also ends their access tokens at the gateway', () => {
    const models = (token: string) => request(gw, 'GET', '/api/v1/models', { token });

    it('an admin password reset: the user’s access tokens issued before it get 401; their API keys keep working', async () => {
      const u = await stack.user(`reset-${randomUUID().slice(0, 6)}@example.com`, 'data-scientist');
      const s = await login(u.email, u.password);
      const key = await request<{ key: string }>(gw, 'POST', '/api/v1/api-keys', { token: s.body.accessToken, body: { name: 'survives-reset', scopes: ['models:read'] } });
      expect([(await me(s.body.accessToken)).status, (await models(u.token)).status]).toEqual([200, 200]);
      expect((await request(admin, 'POST', `/api/v1/admin/users/${u.id}/password`, { body: { password: 'Brand-New-Passw0rd-77' } })).status).toBe(204);
      await waitFor('access tokens refused after the reset', async () => (await me(s.body.accessToken)).status === 401, 5000);
      expect((await models(u.token)).status).toBe(401);
      expect((await models(key.body.key)).status).toBe(200);
    });

    it('logout: that session’s access token gets 401; the user’s other session goes on', async () => {
      const u = await stack.user(`logout-${randomUUID().slice(0, 6)}@example.com`, 'viewer');
      const [ending, other] = [await login(u.email, u.password), await login(u.email, u.password)];
      expect((await me(ending.body.accessToken)).status).toBe(200);
      expect((await request(gw, 'POST', '/api/v1/auth/logout', { body: { refreshToken: ending.body.refreshToken } })).status).toBe(204);
      await waitFor('access token refused after logout', async () => (await me(ending.body.accessToken)).status === 401, 5000);
      expect((await me(other.body.accessToken)).status).toBe(200);
      const rotated = await request<Tokens>(gw, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: other.body.refreshToken } });
      expect((await me(rotated.body.accessToken)).status).toBe(200);
    });

    it('a replayed refresh token: the session’s current access token gets 401 too', async () => {
      const u = await stack.user(`replay-${randomUUID().slice(0, 6)}@example.com`, 'viewer');
      const first = await login(u.email, u.password);
      const second = await request<Tokens>(gw, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: first.body.refreshToken } });
      expect((await me(second.body.accessToken)).status).toBe(200);
      expect((await request(gw, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: first.body.refreshToken } })).status).toBe(401);
      await waitFor('access token refused after the replay', async () => (await me(second.body.accessToken)).status === 401, 5000);
    });
  });

  describe('API keys', () => {
    let ds: { id: string; token: string };
    beforeAll(async () => {
      ds = await stack.user(`ds-${randomUUID().slice(0, 6)}@example.com`, 'data-scientist');
    });

    const createKey = (token: string, body: object) => request<{ id: string; key: string; prefix: string; scopes: string[] } & Err>(gw, 'POST', '/api/v1/api-keys', { token, body });

    it('are shown once, listed without secrets, work as Bearer and as X-API-Key, and are revoked at once', async () => {
      const created = await createKey(ds.token, { name: 'ci', scopes: ['models:read', 'models:write'] });
      expect(created.status).toBe(201);
      expect(created.body.key).toMatch(/^shp_[a-z0-9]{10}_[A-Za-z0-9_-]{43}$/);
      expect(created.body.key.startsWith(`${created.body.prefix}_`)).toBe(true);
      const listed = await request<{ items: Array<Record<string, unknown>> }>(gw, 'GET', '/api/v1/api-keys', { token: ds.token });
      expect(JSON.stringify(listed.body)).not.toContain(secretOf(created.body.key));
      expect(listed.body.items.map((k) => k.id)).toContain(created.body.id);

      const bearer = await request<{ ownerId: string }>(gw, 'POST', '/api/v1/models', { token: created.body.key, body: { name: `via-key-${randomUUID().slice(0, 6)}` } });
      expect(bearer.status).toBe(201);
      expect(bearer.body.ownerId).toBe(`api_key:${created.body.id}`);
      expect((await request(gw, 'GET', '/api/v1/models', { headers: { 'x-api-key': created.body.key } })).status).toBe(200);
      const who = await me(created.body.key);
      expect(who.body).toMatchObject({ id: ds.id, via: 'api_key', permissions: ['models:read', 'models:write'] });

      expect((await request(gw, 'DELETE', `/api/v1/api-keys/${created.body.id}`, { token: ds.token })).status).toBe(204);
      expect((await request(gw, 'GET', '/api/v1/models', { token: created.body.key })).status).toBe(401);
    });

    it('grant no more than their scopes, and never more than the owner’s role', async () => {
      const readOnly = await createKey(ds.token, { name: 'reader', scopes: ['models:read'] });
      expect((await request(gw, 'GET', '/api/v1/models', { token: readOnly.body.key })).status).toBe(200);
      expect((await request<Err>(gw, 'POST', '/api/v1/models', { token: readOnly.body.key, body: { name: 'nope' } })).status).toBe(403);
      const tooMuch = await createKey(ds.token, { name: 'greedy', scopes: ['models:read', 'audit:read'] });
      expect(tooMuch.status).toBe(403);
      expect(tooMuch.body.error.code).toBe('SCOPE_EXCEEDS_ROLE');
      expect((await createKey(ds.token, { name: 'bad', scopes: ['models:delete'] })).status).toBe(400);
    });

    it('stop working when they expire', async () => {
      const soon = await createKey(ds.token, { name: 'short', scopes: ['models:read'], expiresAt: new Date(Date.now() + 1500).toISOString() });
      expect((await request(gw, 'GET', '/api/v1/models', { token: soon.body.key })).status).toBe(200);
      await new Promise((r) => setTimeout(r, 1700));
      expect((await request(gw, 'GET', '/api/v1/models', { token: soon.body.key })).status).toBe(401);
      expect((await createKey(ds.token, { name: 'past', scopes: ['models:read'], expiresAt: '2020-01-01T00:00:00Z' })).status).toBe(400);
    });

    it('of a user stop at once when the user is disabled; an admin can list and revoke anyone’s', async () => {
      const u = await stack.user(`keyowner-${randomUUID().slice(0, 6)}@example.com`, 'data-scientist');
      const k1 = await createKey(u.token, { name: 'k1', scopes: ['models:read'] });
      const k2 = await createKey(u.token, { name: 'k2', scopes: ['models:read'] });
      expect((await request(gw, 'GET', '/api/v1/models', { token: k1.body.key })).status).toBe(200);
      const all = await request<{ items: Array<{ id: string }> }>(admin, 'GET', `/api/v1/admin/api-keys?ownerId=${u.id}`);
      expect(all.body.items.map((k) => k.id).sort()).toEqual([k1.body.id, k2.body.id].sort());
      expect((await request(admin, 'DELETE', `/api/v1/api-keys/${k2.body.id}`)).status).toBe(204);
      expect((await request(gw, 'GET', '/api/v1/models', { token: k2.body.key })).status).toBe(401);
      expect((await request(admin, 'PATCH', `/api/v1/admin/users/${u.id}`, { body: { disabled: true } })).status).toBe(200);
      await waitFor('key refused after its owner is disabled', async () => (await request(gw, 'GET', '/api/v1/models', { token: k1.body.key })).status === 401, 5000);
      // Someone else's key looks like no key at all.
      expect((await request(gw, 'DELETE', `/api/v1/api-keys/${k1.body.id}`, { token: ds.token })).status).toBe(404);
    });
  });

  describe('administration', () => {
    it('creates users, changes roles (taking effect on the next token), resets passwords, and keeps one admin', async () => {
      const email = `new-${randomUUID().slice(0, 6)}@example.com`;
      const created = await request<{ id: string; role: string } & Err>(admin, 'POST', '/api/v1/admin/users', { body: { email, password: 'Another-Good-Passw0rd', role: 'viewer' } });
      expect(created.status).toBe(201);
      expect((await request(admin, 'POST', '/api/v1/admin/users', { body: { email: email.toUpperCase(), password: 'Another-Good-Passw0rd', role: 'viewer' } })).status).toBe(409);
      expect((await request<Err>(admin, 'POST', '/api/v1/admin/users', { body: { email: 'weak@example.com', password: 'Password1234', role: 'viewer' } })).body.error?.code).toBe('WEAK_PASSWORD');

      const s = await login(email, 'Another-Good-Passw0rd');
      expect((await request(gw, 'POST', '/api/v1/models', { token: s.body.accessToken, body: { name: `viewer-${randomUUID().slice(0, 6)}` } })).status).toBe(403);
      expect((await request(admin, 'PATCH', `/api/v1/admin/users/${created.body.id}`, { body: { role: 'data-scientist' } })).status).toBe(200);
      const refreshed = await request<Tokens>(gw, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: s.body.refreshToken } });
      expect((await request(gw, 'POST', '/api/v1/models', { token: refreshed.body.accessToken, body: { name: `promoted-${randomUUID().slice(0, 6)}` } })).status).toBe(201);

      expect((await request(admin, 'POST', `/api/v1/admin/users/${created.body.id}/password`, { body: { password: 'Brand-New-Passw0rd-9' } })).status).toBe(204);
      expect((await login(email, 'Another-Good-Passw0rd')).status).toBe(401);
      expect((await request(gw, 'POST', '/api/v1/auth/refresh', { body: { refreshToken: refreshed.body.refreshToken } })).status).toBe(401);
      expect((await login(email, 'Brand-New-Passw0rd-9')).status).toBe(200);

      const adminId = (await me(admin.token)).body.id;
      expect((await request<Err>(admin, 'PATCH', `/api/v1/admin/users/${adminId}`, { body: { role: 'viewer' } })).body.error?.code).toBe('LAST_ADMIN');
    });

    it('records auth events in the audit trail without secrets', async () => {
      const wanted = ['user.created', 'user.role_changed', 'user.disabled', 'api_key.created', 'api_key.revoked', 'user.login_succeeded', 'user.login_failed', 'user.password_reset', 'session.revoked'].map((a) => `shipyard.auth.${a}.v1`);
      let events: Array<{ subject: string; payload: Record<string, unknown> }> = [];
      await waitFor('auth events audited', async () => {
        events = await auditEvents(admin, { subject: 'shipyard.auth.>' });
        const subjects = new Set(events.map((e) => e.subject));
        return wanted.every((w) => subjects.has(w));
      }, 15_000).catch(() => undefined);
      expect([...new Set(events.map((e) => e.subject))].sort()).toEqual(expect.arrayContaining(wanted));
      const text = JSON.stringify(events);
      expect(text).not.toContain(ADMIN.password);
      expect(text).not.toMatch(/shp_[a-z0-9]{10}_[A-Za-z0-9_-]{43}/);
      expect(text).not.toMatch(/\$argon2id\$/);
      expect(events.find((e) => e.subject === 'shipyard.auth.user.login_failed.v1')?.payload).toMatchObject({ reason: expect.any(String) });
    });
  });

  it('keeps passwords, tokens and API keys out of every service log', async () => {
    const k = await request<{ key: string }>(admin, 'POST', '/api/v1/api-keys', { body: { name: 'log-check', scopes: ['models:read'] } });
    await request(gw, 'GET', '/api/v1/models', { token: k.body.key });
    await request(gw, 'GET', '/api/v1/models', { headers: { 'x-api-key': k.body.key } });
    await login(ADMIN.email, ADMIN.password);
    await new Promise((r) => setTimeout(r, 500)); // logs are flushed every 200 ms
    const logs = ['api-gateway', 'auth', 'registry'].map((s) => stack.service(s as 'auth').output(2000)).join('\n');
    expect(logs).toContain('/api/v1/auth/login'); // the requests were logged…
    expect(logs).not.toContain(ADMIN.password); // …without their secrets
    expect(logs).not.toContain(secretOf(k.body.key));
    expect(logs).not.toContain(admin.token.split('.')[2] ?? 'n/a');
  });
});
