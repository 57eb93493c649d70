import { Injectable, Logger } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { ACTOR_HEADER, CommonErrorCode, ErrorKind, PERMISSIONS_HEADER, REQUEST_ID_HEADER, USER_HEADER } from '@shipyard/contracts';
import { DomainError, formatActor } from '@shipyard/service-kit';
import { Principal } from '../auth/principal';
import { UpstreamName, Upstreams } from './upstreams';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) and the ones the gateway alone decides. `expect` too: node's
 * server already answered the client's `100-continue` (RFC 9110 §10.1.1: an expectation is for the
 * next hop), and undici refuses to send the header at all.
 */
const DROP_REQUEST = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'expect', 'proxy-authorization', 'authorization', 'x-api-key', 'cookie', ACTOR_HEADER, USER_HEADER, PERMISSIONS_HEADER]);
export const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate']);

/** Never dropped because a client named them in `Connection`: the body's framing and type are end to end. */
const END_TO_END = new Set(['content-length', 'content-type', 'content-encoding', REQUEST_ID_HEADER]);

/**
 * The extra hop-by-hop headers a client declared in `Connection` (RFC 9110 §7.6.1: a proxy removes
 * them before forwarding), or null when it names only `keep-alive` / `close` (the usual case, no work).
 */
export function connectionOptions(connection: string | undefined): Set<string> | null {
  if (connection === undefined) return null;
  const lower = connection.toLowerCase();
  if (lower === 'keep-alive' || lower === 'close') return null;
  const named = new Set<string>();
  for (const token of lower.split(',')) {
    const name = token.trim();
    if (name && name !== 'keep-alive' && name !== 'close' && !END_TO_END.has(name)) named.add(name);
  }
  return named.size ? named : null;
}

export interface ForwardOptions {
  /** Overrides the upstream headers/body timeout (long uploads and downloads). */
  timeoutMs?: number;
  /** A streamed upload (artifacts): no JSON body limit applies; the service enforces its own. */
  streamedUpload?: boolean;
}

/**
 * 413 for a body declared larger than the service takes, decided before anything is forwarded: the
 * service would refuse it at once, while the gateway still streams it, and that early answer raced
 * the upload (the client got a 503, or nothing). Null when the body is within the limit or unsized.
 */
export function bodyTooLarge(headers: IncomingHttpHeaders, upstream: UpstreamName, limit: number): DomainError | null {
  const declared = Number(headers['content-length']);
  if (!Number.isFinite(declared) || declared <= limit) return null;
  return new DomainError(CommonErrorCode.PayloadTooLarge, ErrorKind.PayloadTooLarge, `request body of ${declared} bytes exceeds the ${upstream} service's limit of ${limit} bytes`, { limitBytes: limit });
}

/**
 * Forwards a request to the service that owns the route. Bodies stream through untouched (the
 * gateway never parses or buffers them; the service validates), and the response streams back.
 */
@Injectable()
export class ProxyService {
  private readonly logger = new Logger('proxy');

  constructor(
    private readonly upstreams: Upstreams,
  ) {}

  async forward(upstream: UpstreamName, req: FastifyRequest, reply: FastifyReply, opts: ForwardOptions = {}): Promise<void> {
    const headers = upstreamRequestHeaders(req, (req as FastifyRequest & { user?: Principal }).user);
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD' && req.body !== undefined && req.body !== null;
    // An answer given before the client's upload was read closes the connection: the client stops
    // sending and reads it, instead of both sides waiting on a full TCP window.
    const unread = () => hasBody && !(req.body as Readable).readableEnded;
    const tooLarge = hasBody && !opts.streamedUpload ? bodyTooLarge(req.headers, upstream, this.upstreams.bodyLimit(upstream)) : null;
    if (tooLarge) {
      void reply.header('connection', 'close');
      throw tooLarge;
    }
    let res: Dispatcher.ResponseData;
    try {
      res = await this.upstreams.get(upstream).request({
        method: req.method,
        path: req.url,
        headers,
        body: hasBody ? (req.body as Readable) : null,
        ...(opts.timeoutMs !== undefined ? { headersTimeout: opts.timeoutMs, bodyTimeout: opts.timeoutMs } : {}),
      });
    } catch (e) {
      if (unread()) void reply.header('connection', 'close');
      throw upstreamFailure(upstream, e as UpstreamError, this.logger, `${req.method} ${req.url}`);
    }
    reply.status(res.statusCode);
    // The service answered before reading the whole upload (a refusal): close rather than drain it.
    if (unread()) void reply.header('connection', 'close');
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !DROP_RESPONSE.has(name)) void reply.header(name, value);
    }
    return reply.send(res.body);
  }
}

export type UpstreamError = Error & { code?: string };

/**
 * undici errors that are about the request as the client sent it, raised before anything reached the
 * service: a header undici will not send (NotSupportedError), a header, method or path it finds invalid
 * (InvalidArgumentError), a body that does not match its Content-Length.
 */
const REFUSED_REQUEST = new Set(['UND_ERR_NOT_SUPPORTED', 'UND_ERR_INVALID_ARG', 'UND_ERR_REQ_CONTENT_LENGTH_MISMATCH']);

/**
 * What a failed upstream exchange (no answer from the service) means for the client, logged once:
 * a request undici refused to forward is the client's 400 saying why, not a 503 that invites a retry
 * of the same request; anything else (refused or reset connection, timeout, closed pool) is a 503.
 */
export function upstreamFailure(upstream: UpstreamName, err: UpstreamError, logger: Pick<Logger, 'warn'>, what: string): DomainError {
  if (err.code !== undefined && REFUSED_REQUEST.has(err.code)) {
    logger.warn(`refused to forward ${what} to ${upstream}: ${err.code} ${err.message}`);
    return new DomainError(CommonErrorCode.ValidationFailed, ErrorKind.InvalidInput, `the request cannot be forwarded to the ${upstream} service: ${err.message}`);
  }
  logger.warn(`${upstream} unavailable for ${what}: ${err.code ?? ''} ${err.message}`);
  const status = err.code === 'UND_ERR_HEADERS_TIMEOUT' ? 'did not answer in time' : 'is unavailable';
  return new DomainError(CommonErrorCode.UpstreamUnavailable, ErrorKind.Unavailable, `the ${upstream} service ${status}; retry shortly`);
}

/**
 * What the service behind the gateway receives: the client's headers minus hop-by-hop ones and
 * credentials, plus the request id and, for an authenticated call, who is calling.
 */
export function upstreamRequestHeaders(req: FastifyRequest, principal: Principal | undefined): IncomingHttpHeaders {
  return upstreamHeaders(req.headers, req.ip, principal);
}

/** `upstreamRequestHeaders` from the parts (the raw inference routes have no FastifyRequest). */
export function upstreamHeaders(incoming: IncomingHttpHeaders, ip: string, principal: Principal | undefined): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  const named = connectionOptions(incoming.connection);
  for (const name in incoming) {
    if (!DROP_REQUEST.has(name) && !named?.has(name)) out[name] = incoming[name];
  }
  out[REQUEST_ID_HEADER] = incoming[REQUEST_ID_HEADER];
  out['x-forwarded-for'] = ip;
  // Credentials stop here: services learn who is calling from these headers, which only the gateway sets.
  if (principal) {
    out[ACTOR_HEADER] = formatActor(principal.actor);
    out[USER_HEADER] = principal.userId;
    out[PERMISSIONS_HEADER] = [...principal.permissions].join(',');
  }
  return out;
}
