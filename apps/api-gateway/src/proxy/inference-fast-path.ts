import { createHash } from 'node:crypto';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type Redis from 'ioredis';
import type { Dispatcher } from 'undici';
import { CommonErrorCode, ErrorKind, REQUEST_ID_HEADER } from '@shipyard/contracts';
import { DomainError, translateError } from '@shipyard/service-kit';
import { ApiKeyVerifier } from '../auth/api-key-verifier';
import { JwtVerifier } from '../auth/jwt-verifier';
import { Principal } from '../auth/principal';
import { RedisThrottlerStorage } from '../auth/redis-throttler.storage';
import { presentedCredential } from '../auth/strategies';
import type { GatewayConfig } from '../config';
import { InferenceRoutes } from '../routes/inference.routes';
import { GATEWAY_CONFIG, REDIS } from '../tokens';
import { DROP_RESPONSE, upstreamRequestHeaders } from './proxy.service';
import { Upstreams } from './upstreams';

/** The inference routes the fast path serves (fastify route patterns) → the Nest handler documenting each. */
const FAST_ROUTES: ReadonlyMap<string, keyof InferenceRoutes> = new Map<string, keyof InferenceRoutes>([
  ['/v2/models/:name/infer', 'infer'],
  ['/v2/models/:name/versions/:version/infer', 'inferVersion'],
  ['/api/v1/predict/:model', 'predict'],
]);

const PERMISSION = 'predict';
/** The throttler's name in app.module.ts: its counters and headers carry it. */
const THROTTLER = 'api';

/**
 * The inference data plane through the gateway, without the Nest pipeline.
 *
 * Why: measured with bench:inference (2-core machine shared with other work), the Nest route (passport
 * guard, throttler guard, interceptors, ProxyService) kept 0.12–0.15× of a bare ONNX server's req/s
 * (274–352 req/s at 16 and 100 connections); this path keeps 0.16–0.24× (469–747 req/s) in the same
 * setup. Still before it, and not avoidable from here: @fastify/middie's hook with the pino-http
 * middleware (Nest registers it first), helmet, CORS. What it does, per request, in one `onRequest` hook:
 *   1. recognises the route by the pattern fastify already matched (the Nest routes stay registered, so
 *      OpenAPI documents them and anything this hook does not take still goes through Nest);
 *   2. authenticates with the same JwtVerifier / ApiKeyVerifier the PrincipalGuard's strategies use
 *      (local EdDSA check; API keys cached, revocations honoured by the same listeners);
 *   3. requires `predict`, as the routes' @RequirePermission does;
 *   4. rate-limits with the same Redis script, limit, window and key as the ThrottlerGuard for that
 *      handler (sha256 of `InferenceRoutes-<handler>-api-<actor id>`), so both paths share one counter,
 *      answer 429 with Retry-After and set the same X-RateLimit-*-api headers;
 *   5. forwards over the same undici pool as ProxyService with the same headers (x-request-id, the
 *      principal headers, credentials stripped), streaming the body both ways.
 * Errors use the gateway's `{"error": {code, message, requestId}}` shape; the inference service's own
 * answers (OIP `{"error": "…"}`) pass through untouched. Not done here, on purpose: the per-request
 * access log line (the HTTP latency histogram still observes every request; failures are logged).
 */
export function registerInferenceFastPath(app: NestFastifyApplication): void {
  const config = app.get<GatewayConfig>(GATEWAY_CONFIG);
  const fastPath = new InferenceFastPath(app.get(JwtVerifier), app.get(ApiKeyVerifier), app.get(Upstreams).get('inference'), new RedisThrottlerStorage(app.get<Redis>(REDIS), `${config.SHIPYARD_REDIS_KEY_PREFIX}:rl`), config);
  const fastify = app.getHttpAdapter().getInstance();
  // Registered as a non-encapsulated plugin so the hook joins the root after helmet and CORS: their
  // headers are set on fast-path answers too.
  const plugin = (instance: FastifyInstance, _opts: unknown, done: () => void) => {
    instance.addHook('onRequest', (req, reply) => fastPath.handle(req, reply));
    done();
  };
  Object.assign(plugin, { [Symbol.for('skip-override')]: true });
  void fastify.register(plugin);
}

class InferenceFastPath {
  private readonly logger = new Logger('inference-fast-path');

  constructor(
    private readonly jwt: JwtVerifier,
    private readonly apiKeys: ApiKeyVerifier,
    private readonly upstream: Dispatcher,
    private readonly limiter: RedisThrottlerStorage,
    private readonly config: GatewayConfig,
  ) {}

  /** Resolves undefined for routes it does not own (fastify carries on); otherwise answers the request. */
  async handle(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
    const handler = req.method === 'POST' ? FAST_ROUTES.get(req.routeOptions.url ?? '') : undefined;
    if (handler === undefined) return undefined;
    try {
      const principal = await this.authenticate(req);
      if (!principal.permissions.has(PERMISSION)) throw new DomainError(CommonErrorCode.Forbidden, ErrorKind.Forbidden, `this requires the ${PERMISSION} permission`);
      await this.rateLimit(handler, principal, reply);
      return await this.forward(req, reply, principal);
    } catch (e) {
      const { status, body, errorId } = translateError(e, String(req.headers[REQUEST_ID_HEADER]));
      if (errorId) this.logger.error(`${req.method} ${req.url} failed (errorId ${errorId}): ${(e as Error).stack ?? String(e)}`);
      return reply.code(status).type('application/json').send(JSON.stringify(body));
    }
  }

  private async authenticate(req: FastifyRequest): Promise<Principal> {
    const credential = presentedCredential(req);
    const principal = credential === null ? null : credential.kind === 'api_key' ? await this.apiKeys.verify(credential.value) : await this.jwt.verify(credential.value);
    if (!principal) throw new DomainError(CommonErrorCode.Unauthenticated, ErrorKind.Unauthenticated, 'missing, invalid or expired credentials: send Authorization: Bearer <access token or API key>');
    return principal;
  }

  private async rateLimit(handler: keyof InferenceRoutes, principal: Principal, reply: FastifyReply): Promise<void> {
    const limit = this.config.SHIPYARD_RATE_LIMIT;
    const ttlMs = this.config.SHIPYARD_RATE_LIMIT_WINDOW_S * 1000;
    const key = createHash('sha256').update(`${InferenceRoutes.name}-${handler}-${THROTTLER}-${principal.actor.id}`).digest('hex');
    const r = await this.limiter.increment(key, ttlMs, limit, ttlMs, THROTTLER);
    if (r.isBlocked) {
      const wait = Math.max(1, r.timeToBlockExpire || r.timeToExpire);
      void reply.header(`retry-after-${THROTTLER}`, r.timeToBlockExpire).header('retry-after', String(wait));
      throw new DomainError(CommonErrorCode.RateLimited, ErrorKind.RateLimited, `rate limit exceeded; retry in ${wait} s`, { retryAfterSeconds: wait, limit });
    }
    void reply.header(`x-ratelimit-limit-${THROTTLER}`, limit).header(`x-ratelimit-remaining-${THROTTLER}`, Math.max(0, limit - r.totalHits)).header(`x-ratelimit-reset-${THROTTLER}`, r.timeToExpire);
  }

  private async forward(req: FastifyRequest, reply: FastifyReply, principal: Principal): Promise<FastifyReply> {
    let res: Dispatcher.ResponseData;
    try {
      res = await this.upstream.request({ method: 'POST', path: req.url, headers: upstreamRequestHeaders(req, principal), body: req.raw });
    } catch (e) {
      const err = e as Error & { code?: string };
      this.logger.warn(`inference unavailable for ${req.method} ${req.url}: ${err.code ?? ''} ${err.message}`);
      const status = err.code === 'UND_ERR_HEADERS_TIMEOUT' ? 'did not answer in time' : 'is unavailable';
      throw new DomainError(CommonErrorCode.UpstreamUnavailable, ErrorKind.Unavailable, `the inference service ${status}; retry shortly`);
    }
    reply.code(res.statusCode);
    // The service answered before reading the whole body (a refusal): close rather than drain it.
    if (!req.raw.readableEnded) void reply.header('connection', 'close');
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !DROP_RESPONSE.has(name)) void reply.header(name, value);
    }
    return reply.send(res.body);
  }
}
