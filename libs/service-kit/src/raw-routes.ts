import type { IncomingMessage, ServerResponse } from 'node:http';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { REQUEST_ID_HEADER } from '@shipyard/contracts';
import { assignRequestId, httpRequestDuration } from '@shipyard/observability';

/**
 * A route served straight from node's `request` event, before fastify: no routing table walk, no
 * hooks, no Nest middleware (pino-http, middie), no body parser, no per-request async resources.
 * Only for data-plane routes where every microsecond is the product (inference); everything else
 * stays in Nest. `match` sees the path without the query string and returns the route's params, or
 * null to let fastify have the request. A matched request gets its x-request-id (assigned into
 * `req.headers` and set on the answer) and is observed by the HTTP latency histogram.
 */
export interface RawRoute<P> {
  method: 'GET' | 'POST';
  /** The route's pattern, as fastify would label it (`/v2/models/:name/infer`): metrics carry it. */
  pattern: string;
  match(path: string, req: IncomingMessage): P | null;
  handle(req: IncomingMessage, res: ServerResponse, params: P): void;
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

let draining = false;

/** Set once the service starts shutting down: raw answers then close their connection, as Nest's do. */
export function markDraining(): void {
  draining = true;
}

export function isDraining(): boolean {
  return draining;
}

/**
 * Puts `routes` in front of the app's HTTP server. Must run before `listen()` (in `configure`): it
 * wraps the request listener fastify registered when it created the server.
 */
export function serveRawRoutes(app: NestFastifyApplication, routes: ReadonlyArray<RawRoute<unknown>>): void {
  const server = app.getHttpServer();
  const fallbacks = server.listeners('request') as Listener[];
  if (fallbacks.length === 0) throw new Error('serveRawRoutes: the HTTP server has no request listener yet');
  server.removeAllListeners('request');
  const latency = httpRequestDuration();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    for (const route of routes) {
      if (route.method !== req.method) continue;
      const params = route.match(path, req);
      if (params === null) continue;
      const started = performance.now();
      // As createServiceApp's genReqId + onSend hook do for fastify routes: handlers read the id from req.headers.
      res.setHeader(REQUEST_ID_HEADER, assignRequestId(req));
      res.once('finish', () => latency.observe({ method: req.method ?? '', route: route.pattern, status: String(res.statusCode) }, (performance.now() - started) / 1000));
      if (draining) res.setHeader('connection', 'close');
      route.handle(req, res, params);
      return;
    }
    for (const l of fallbacks) l.call(server, req, res);
  });
}

const SEGMENT = '([^/?#]+)';

/**
 * A matcher for a fixed pattern with `:param` segments (no wildcards), decoding each segment as
 * fastify does; a segment that is not valid percent-encoding does not match (fastify answers it).
 */
export function patternMatcher(pattern: string): (path: string) => Record<string, string> | null {
  const names: string[] = [];
  const source = pattern
    .split('/')
    .map((part) => {
      if (!part.startsWith(':')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      names.push(part.slice(1));
      return SEGMENT;
    })
    .join('/');
  const re = new RegExp(`^${source}$`);
  return (path: string) => {
    const m = re.exec(path);
    if (!m) return null;
    const params: Record<string, string> = {};
    for (let i = 0; i < names.length; i++) {
      const raw = m[i + 1] ?? '';
      try {
        params[names[i] ?? ''] = raw.includes('%') ? decodeURIComponent(raw) : raw;
      } catch {
        return null;
      }
    }
    return params;
  };
}

/**
 * Reads a request body into one Buffer, refusing more than `limit` bytes (declared or sent): calls
 * `done(null, body)` or `done(error)` with `error.status` 413 (too large) or 400 (aborted).
 */
export function readBody(req: IncomingMessage, limit: number, done: (err: (Error & { status: number }) | null, body?: Buffer) => void): void {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    done(Object.assign(new Error(`request body exceeds ${limit} bytes`), { status: 413 }));
    req.resume();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (err: (Error & { status: number }) | null, body?: Buffer) => {
    if (finished) return;
    finished = true;
    done(err, body);
  };
  req.on('data', (chunk: Buffer) => {
    if (finished) return;
    size += chunk.length;
    if (size > limit) {
      finish(Object.assign(new Error(`request body exceeds ${limit} bytes`), { status: 413 }));
      req.resume();
      return;
    }
    chunks.push(chunk);
  });
  req.on('end', () => finish(null, chunks.length === 1 ? (chunks[0]) : Buffer.concat(chunks, size)));
  req.on('aborted', () => finish(Object.assign(new Error('request aborted'), { status: 400 })));
  req.on('error', (e: Error) => finish(Object.assign(e, { status: 400 })));
}
