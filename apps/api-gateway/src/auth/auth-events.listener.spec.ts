import { randomUUID } from 'node:crypto';
import { API_KEY_REVOKED, SESSION_REVOKED, SYSTEM_ACTOR, USER_DISABLED, USER_PASSWORD_RESET } from '@shipyard/contracts';
import { buildEnvelope, NatsConnector } from '@shipyard/messaging';
import { Lifecycle } from '@shipyard/service-kit';
import { loadGatewayConfig } from '../config';
import { Upstreams } from '../proxy/upstreams';
import { ApiKeyVerifier } from './api-key-verifier';
import { AuthEventsListener } from './auth-events.listener';
import { TokenRevocations } from './revocations';

describe('AuthEventsListener', () => {
  const config = loadGatewayConfig({ SHIPYARD_GATEWAY_MAX_TOKEN_TTL_S: '900' });
  const upstreams = new Upstreams(config);
  const apiKeys = new ApiKeyVerifier(config, upstreams);
  let revocations: TokenRevocations;
  let listener: AuthEventsListener;

  beforeEach(() => {
    revocations = new TokenRevocations();
    listener = new AuthEventsListener(config, new NatsConnector({ servers: 'nats://127.0.0.1:1', name: 'listener-spec' }), apiKeys, revocations, new Lifecycle());
  });

  afterAll(() => upstreams.onApplicationShutdown());

  const at = new Date('2026-01-01T00:00:10.500Z');
  const atS = at.getTime() / 1000;
  const hear = (subject: string, aggregate: { type: string; id: string }, payload: Record<string, unknown>) =>
    listener.handle(subject, Buffer.from(JSON.stringify(buildEnvelope({ subject, actor: SYSTEM_ACTOR, correlationId: 'c', aggregate, payload }, at))));

  it('refuses the user’s tokens issued before a password reset (its API keys stay cached)', () => {
    const user = randomUUID();
    const forgetUser = jest.spyOn(apiKeys, 'forgetUser');
    hear(USER_PASSWORD_RESET, { type: 'user', id: user }, { id: user, revokedRefreshTokens: 2 });
    expect(revocations.isRevoked(user, atS - 60, atS + 1)).toBe(true);
    expect(revocations.isRevoked(user, atS + 1, atS + 2)).toBe(false);
    expect(revocations.isRevoked(user, atS - 60, atS + 901)).toBe(false); // such a token has expired anyway
    expect(forgetUser).not.toHaveBeenCalled();
    forgetUser.mockRestore();
  });

  it('still refuses a disabled user’s tokens and drops their cached API keys', () => {
    const user = randomUUID();
    const forgetUser = jest.spyOn(apiKeys, 'forgetUser');
    hear(USER_DISABLED, { type: 'user', id: user }, { id: user, revokedRefreshTokens: 1, revokedApiKeys: 1 });
    expect(revocations.isRevoked(user, atS - 1, atS + 1)).toBe(true);
    expect(forgetUser).toHaveBeenCalledWith(user);
    forgetUser.mockRestore();
  });

  it('refuses every token of a revoked session, and only of that session', () => {
    const [user, sid] = [randomUUID(), randomUUID()];
    hear(SESSION_REVOKED, { type: 'session', id: sid }, { id: sid, userId: user, reason: 'logout', revokedRefreshTokens: 1 });
    expect(revocations.isSessionRevoked(sid, atS + 1)).toBe(true);
    expect(revocations.isSessionRevoked(randomUUID(), atS + 1)).toBe(false);
    expect(revocations.isRevoked(user, atS - 1, atS + 1)).toBe(false); // the user's other sessions live on
    expect(revocations.isSessionRevoked(sid, atS + 901)).toBe(false);
  });

  it('ignores other subjects and envelopes that do not validate', () => {
    const user = randomUUID();
    listener.handle(SESSION_REVOKED, Buffer.from('{"not":"an envelope"}'));
    hear(API_KEY_REVOKED, { type: 'api_key', id: randomUUID() }, { id: randomUUID(), ownerId: user, prefix: 'shp_x' });
    expect(revocations.size).toBe(0);
  });
});
