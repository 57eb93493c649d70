import { Inject, Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { ACTOR_HEADER, CommonErrorCode, DEV_ACTOR_HEADER, ErrorKind, REQUEST_ID_HEADER } from '@shipyard/contracts';
import { DomainError, formatActor, parseActor } from '@shipyard/service-kit';
import { GATEWAY_CONFIG } from '../tokens';
import type { GatewayConfig } from '../config';
import { UpstreamName, Upstreams } from './upstreams';

/** Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the gateway alone decides. */
const DROP_REQUEST = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization', ACTOR_HEADER, DEV_ACTOR_HEADER]);
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate']);

/**
 * Forwards a request to the service that owns the route. Bodies stream through untouched (the
 * gateway never parses or buffers them; the service validates), and the response streams back.
 */
@Injectable()
export class ProxyService {
  private readonly logger = new Logger('proxy');

  constructor(
    private readonly upstreams: Upstreams,
    @Inject(GATEWAY_CONFIG) private readonly config: GatewayConfig,
  ) {}

  async forward(upstream: UpstreamName, req: FastifyRequest, reply: FastifyReply): Promise<void> {
    const headers = this.requestHeaders(req);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.body !== undefined && req.body !== null;
    let res: Dispatcher.ResponseData;
    try {
      res = await this.upstreams.get(upstream).request({
        method: req.method,
        path: req.url,
        headers,
        body: hasBody ? (req.body as Readable) : null,
      });
    } catch (e) {
      const err = e as Error & { code?: string };
      this.logger.warn(`${upstream} unavailable for ${req.method} ${req.url}: ${err.code ?? ''} ${err.message}`);
      const status = err.code === 'UND_ERR_HEADERS_TIMEOUT' ? 'did not answer in time' : 'is unavailable';
      throw new DomainError(CommonErrorCode.UpstreamUnavailable, ErrorKind.Unavailable, `the ${upstream} service ${status}; retry shortly`);
    }
    reply.status(res.statusCode);
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !DROP_RESPONSE.has(name)) void reply.header(name, value);
    }
    return reply.send(res.body);
  }

  private requestHeaders(req: FastifyRequest): IncomingHttpHeaders {
    const out: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(req.headers)) {
      if (!DROP_REQUEST.has(name)) out[name] = value;
    }
    out[REQUEST_ID_HEADER] = req.headers[REQUEST_ID_HEADER];
    out['x-forwarded-for'] = req.ip;
    const actor = this.principal(req);
    if (actor) out[ACTOR_HEADER] = actor;
    return out;
  }

  /** Development stand-in for authentication: the caller's x-shipyard-dev-actor, or user:dev. */
  private principal(req: FastifyRequest): string | null {
    if (!this.config.SHIPYARD_GATEWAY_DEV_ACTOR) return null;
    const declared = req.headers[DEV_ACTOR_HEADER];
    const actor = parseActor(typeof declared === 'string' ? declared : undefined) ?? { type: 'user' as const, id: 'dev' };
    return formatActor(actor);
  }
}
