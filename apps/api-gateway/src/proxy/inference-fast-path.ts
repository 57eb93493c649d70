import type { IncomingHttpHeaders, IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type Redis from 'ioredis';
import type { Dispatcher } from 'undici';
import { CommonErrorCode, ErrorKind, REQUEST_ID_HEADER } from '@shipyard/contracts';
import { httpErrors } from '@shipyard/observability';
import { DomainError, patternMatcher, RawRoute, readBody, serveRawRoutes, translateError } from '@shipyard/service-kit';
import { ApiKeyVerifier } from '../auth/api-key-verifier';
import { JwtVerifier } from '../auth/jwt-verifier';
import { LeasedRateLimiter, RateDecision } from '../auth/leased-rate-limiter';
import { Principal } from '../auth/principal';
import { presentedCredential } from '../auth/strategies';
import { principalTracker, rateLimitCounter } from '../auth/throttle.guard';
import type { GatewayConfig } from '../config';
import { GATEWAY_CONFIG, REDIS } from '../tokens';
import { clientAddress, ProxyTrust, proxyTrust } from './client-address';
import { bodyTooLarge, DROP_RESPONSE, UpstreamError, upstreamFailure, upstreamHeaders } from './proxy.service';
import { Upstreams } from './upstreams';

/** The inference routes the fast path serves (InferenceRoutes documents them: infer, inferVersion, predict). */
const FAST_ROUTES: readonly string[] = ['/v2/models/:name/infer', '/v2/models/:name/versions/:version/infer', '/api/v1/predict/:model'];

const PERMISSION = 'predict';
/** The throttler's name in app.module.ts: its counters and headers carry it. */
const THROTTLER = 'api';
/** Bodies up to this size are read whole and sent upstream in one write; larger ones stream. */
const BUFFER_LIMIT = 1024 * 1024;
/**
 * Of helmet's headers, the one that means something on a JSON answer to a non-browser client. Browsers
 * send `Origin` on every POST (same-origin too), so their calls take the Nest route and get helmet's
 * full set; every answer header costs the hot path (~1-2 µs each to validate and serialise, measured
 * as ~40 µs per request for the 17 it carried with helmet's set).
 */
const SECURITY_HEADERS: Readonly<OutgoingHttpHeaders> = Object.freeze({ 'x-content-type-options': 'nosniff' });

/**
 * The inference data plane through the gateway, in front of fastify and Nest (see `serveRawRoutes`).
 *
 * Why: profiled under bench:inference, the gateway spent its CPU on what surrounds proxying: pino-http
 * (~10 %: a child logger and a serialised line per request), @fastify/middie + Nest middleware, helmet
 * re-deriving its headers per answer (~7 %), CORS, fastify's hooks, and one Redis round trip per
 * request for the rate limit (~11 %). This path does the same checks with none of that:
 *   1. recognises the three infer/predict routes by path; a request carrying `Origin` (a browser: they
 *      send it on every POST) goes to the Nest routes instead, which answer CORS as configured and set
 *      helmet's headers;
 *   2. authenticates with the same JwtVerifier / ApiKeyVerifier the PrincipalGuard's strategies use;
 *   3. requires `predict`, as the routes' @RequirePermission does;
 *   4. rate-limits on the same Redis counter as the ThrottlerGuard, the caller's one across routes
 *      (`rateLimitCounter` of `user:<user id>`: an API key counts against its owner), reserving hits in
 *      blocks (LeasedRateLimiter), with the same 429 + Retry-After and X-RateLimit-*-api headers;
 *   5. forwards over the same undici pool as ProxyService with the same headers (x-request-id, the
 *      principal headers, credentials stripped): request bodies ≤ 1 MiB are read whole and sent in one
 *      write, larger ones stream; the answer goes back chunk by chunk through undici's dispatch API
 *      (no response stream or promise per request), with backpressure;
 *   6. answers with x-request-id and `X-Content-Type-Options: nosniff` (see SECURITY_HEADERS).
 * Errors use the gateway's `{"error": {code, message, requestId}}` shape; the inference service's own
 * answers (OIP `{"error": "…"}`) pass through untouched. The HTTP latency histogram observes every
 * request; there is no per-request access log line here (failures are logged).
 */
export function registerInferenceFastPath(app: NestFastifyApplication): void {
  const config = app.get<GatewayConfig>(GATEWAY_CONFIG);
  const limiter = new LeasedRateLimiter(app.get<Redis>(REDIS), config.SHIPYARD_RATE_LIMIT, config.SHIPYARD_RATE_LIMIT_WINDOW_S * 1000);
  const fastPath = new InferenceFastPath(app.get(JwtVerifier), app.get(ApiKeyVerifier), app.get(Upstreams).get('inference'), config.SHIPYARD_INFERENCE_BODY_LIMIT_BYTES, limiter, `${config.SHIPYARD_REDIS_KEY_PREFIX}:rl:${THROTTLER}`, proxyTrust(config.SHIPYARD_TRUST_PROXY));
  app.getHttpServer().once('close', () => limiter.close());
  const routes: Array<RawRoute<Record<string, string>>> = FAST_ROUTES.map((pattern) => {
    const match = patternMatcher(pattern);
    return {
      method: 'POST',
      pattern,
      match: (path, req) => (req.headers.origin === undefined ? match(path) : null),
      handle: (req, res) => fastPath.handle(req, res),
    };
  });
  serveRawRoutes(app, routes);
}

class InferenceFastPath {
  private readonly logger = new Logger('inference-fast-path');
  private readonly counterKeys = new Map<string, string>();

  constructor(
    private readonly jwt: JwtVerifier,
    private readonly apiKeys: ApiKeyVerifier,
    private readonly upstream: Dispatcher,
    /** SHIPYARD_INFERENCE_BODY_LIMIT_BYTES: a larger declared body is refused here (see bodyTooLarge). */
    private readonly bodyLimit: number,
    private readonly limiter: LeasedRateLimiter,
    private readonly counterPrefix: string,
    /** SHIPYARD_TRUST_PROXY, as fastify's `req.ip` applies it on the Nest routes. */
    private readonly trust: ProxyTrust | false,
  ) {}

  /**
   * One request, as a chain of callbacks: with the API key cached and a reserved rate-limit hit left
   * (the steady state) it creates no promise at all; a cache miss, a JWT or a reservation takes the
   * async branch. Any throw or rejection ends in `fail`.
   */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const fail = (e: unknown) => this.fail(req, res, e);
    try {
      const credential = presentedCredential({ headers: req.headers });
      const cached = credential?.kind === 'api_key' ? this.apiKeys.cached(credential.value) : undefined;
      if (cached) this.authorized(req, res, cached, fail);
      else this.authenticate(req.headers).then((p) => this.authorized(req, res, p, fail), fail);
    } catch (e) {
      fail(e);
    }
  }

  private authorized(req: IncomingMessage, res: ServerResponse, principal: Principal, fail: (e: unknown) => void): void {
    try {
      if (!principal.permissions.has(PERMISSION)) throw new DomainError(CommonErrorCode.Forbidden, ErrorKind.Forbidden, `this requires the ${PERMISSION} permission`);
      const key = this.counterKey(principal);
      const local = this.limiter.tryLocal(key);
      if (local) this.admitted(req, res, principal, local, fail);
      else this.limiter.hit(key).then((d) => this.admitted(req, res, principal, d, fail), fail);
    } catch (e) {
      fail(e);
    }
  }

  private admitted(req: IncomingMessage, res: ServerResponse, principal: Principal, decision: RateDecision, fail: (e: unknown) => void): void {
    try {
      const out: OutgoingHttpHeaders = Object.assign({}, SECURITY_HEADERS);
      out[`x-ratelimit-limit-${THROTTLER}`] = String(decision.limit);
      out[`x-ratelimit-remaining-${THROTTLER}`] = String(decision.remaining);
      out[`x-ratelimit-reset-${THROTTLER}`] = String(decision.resetS);
      if (!decision.allowed) {
        Object.assign(out, { [`retry-after-${THROTTLER}`]: String(decision.retryAfterS), 'retry-after': String(decision.retryAfterS) });
        fail(Object.assign(new DomainError(CommonErrorCode.RateLimited, ErrorKind.RateLimited, `rate limit exceeded; retry in ${decision.retryAfterS} s`, { retryAfterSeconds: decision.retryAfterS, limit: decision.limit }), { headers: out }));
        return;
      }
      if (!declaresSmallBody(req)) {
        const tooLarge = bodyTooLarge(req.headers, 'inference', this.bodyLimit);
        if (tooLarge) {
          fail(Object.assign(tooLarge, { headers: out }));
          return;
        }
        this.forward(req, res, principal, out, req, fail);
        return;
      }
      readBody(req, BUFFER_LIMIT, (err, body) => {
        if (err || !body) {
          fail(new DomainError(CommonErrorCode.ValidationFailed, ErrorKind.InvalidInput, err?.message ?? 'no body'));
          return;
        }
        try {
          this.forward(req, res, principal, out, body, fail);
        } catch (e) {
          fail(e);
        }
      });
    } catch (e) {
      fail(e);
    }
  }

  /** Sends the request upstream and the answer back, chunk by chunk (undici's dispatch API: no stream or promise per request). */
  private forward(req: IncomingMessage, res: ServerResponse, principal: Principal, out: OutgoingHttpHeaders, body: Buffer | Readable, fail: (e: unknown) => void): void {
    let answered = false;
    let settled = false;
    let upstream: Dispatcher.DispatchController | null = null;
    // The client went away (a load generator stopping, a timeout): abort the upstream exchange, or a
    // response paused for backpressure would hold its pooled connection forever.
    res.once('close', () => {
      if (!settled) upstream?.abort(new Error('the client closed the connection'));
    });
    this.upstream.dispatch(
      { method: 'POST', path: req.url ?? '/', headers: upstreamHeaders(req.headers, clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], this.trust), principal), body },
      {
        onRequestStart: (controller) => {
          upstream = controller;
          if (res.destroyed) controller.abort(new Error('the client closed the connection'));
        },
        onResponseStart: (_controller, statusCode, headers) => {
          answered = true;
          for (const name in headers) {
            const value = headers[name];
            if (value !== undefined && !DROP_RESPONSE.has(name)) out[name] = value;
          }
          // The service answered before reading the whole body (a refusal): close rather than drain it.
          if (!req.readableEnded) out.connection = 'close';
          res.writeHead(statusCode, out);
        },
        onResponseData: (controller, chunk) => {
          if (!res.write(chunk) && !res.destroyed) {
            controller.pause();
            res.once('drain', () => controller.resume());
          }
        },
        onResponseEnd: () => {
          settled = true;
          res.end();
        },
        onResponseError: (_controller, e) => {
          settled = true;
          const err = e as UpstreamError;
          if (res.destroyed) return; // nobody left to answer
          if (answered) {
            this.logger.warn(`inference answer to ${req.url ?? ''} cut short: ${err.message}`);
            res.destroy(err);
            return;
          }
          fail(Object.assign(upstreamFailure('inference', err, this.logger, `${req.method ?? ''} ${req.url ?? ''}`), { headers: out }));
        },
      },
    );
  }

  private async authenticate(headers: IncomingHttpHeaders): Promise<Principal> {
    const credential = presentedCredential({ headers });
    const principal = credential === null ? null : credential.kind === 'api_key' ? await this.apiKeys.verify(credential.value) : await this.jwt.verify(credential.value);
    if (!principal) throw new DomainError(CommonErrorCode.Unauthenticated, ErrorKind.Unauthenticated, 'missing, invalid or expired credentials: send Authorization: Bearer <access token or API key>');
    return principal;
  }

  /** The ThrottlerGuard's Redis key for this caller (its storage prefixes it the same way), cached: a hash per request costs. */
  private counterKey(principal: Principal): string {
    const tracker = principalTracker({ user: principal });
    let key = this.counterKeys.get(tracker);
    if (key === undefined) {
      if (this.counterKeys.size > 10_000) this.counterKeys.clear();
      key = `${this.counterPrefix}:${rateLimitCounter(tracker)}`;
      this.counterKeys.set(tracker, key);
    }
    return key;
  }

  private fail(req: IncomingMessage, res: ServerResponse, e: unknown): void {
    const { status, body, errorId } = translateError(e, String(req.headers[REQUEST_ID_HEADER]));
    if (errorId) this.logger.error(`${req.method ?? ''} ${req.url ?? ''} failed (errorId ${errorId}): ${(e as Error).stack ?? String(e)}`);
    httpErrors().inc({ code: body.error.code, status: String(status) });
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const given = (e as { headers?: OutgoingHttpHeaders }).headers;
    const text = JSON.stringify(body);
    // A refusal before the body was read (401, 403, 429): node discards a small unread body and keeps
    // the connection, so a client retrying on it does not reconnect each time; a large or unsized one
    // is not worth reading, so that connection closes.
    const close = !req.readableEnded && !declaresSmallBody(req) ? { connection: 'close' } : {};
    res.writeHead(status, { ...SECURITY_HEADERS, ...given, 'content-type': 'application/json; charset=utf-8', 'content-length': String(Buffer.byteLength(text)), ...close });
    res.end(text);
    if (!req.readableEnded) req.resume();
  }
}

/** A Content-Length of at most BUFFER_LIMIT: such a body is read whole (or, unread, discarded by node). */
function declaresSmallBody(req: IncomingMessage): boolean {
  const declared = Number(req.headers['content-length']);
  return Number.isFinite(declared) && declared <= BUFFER_LIMIT;
}

