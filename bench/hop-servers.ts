/**
 * Child process of bench/gateway-hop.bench.ts, so that client, front and upstream each have their own
 * event loop. `upstream`: the trivial handler over HTTP (GET /item) and over NATS request-reply.
 * `front`: forwards GET /http/item over an undici Pool and GET /nats/item with nc.request().
 */
import type { IncomingHttpHeaders } from 'node:http';
import fastify, { FastifyInstance } from 'fastify';
import { connect, NatsConnection } from 'nats';
import { Pool } from 'undici';
import {
  ENV_NATS_TIMEOUT_MS,
  ENV_NATS_URL,
  ENV_UPSTREAM_CONNECTIONS,
  ENV_UPSTREAM_URL,
  FRONT_HTTP_PATH,
  FRONT_NATS_PATH,
  HOP_SUBJECT,
  HopReady,
  HopRole,
  itemBody,
  UPSTREAM_PATH,
} from './hop-protocol';

const JSON_TYPE = 'application/json; charset=utf-8';
/** The same hop-by-hop sets the gateway's proxy drops (apps/api-gateway/src/proxy/proxy.service.ts). */
const DROP_REQUEST = new Set(['host', 'connection', 'keep-alive', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'proxy-authorization']);
const DROP_RESPONSE = new Set(['connection', 'keep-alive', 'transfer-encoding', 'te', 'trailer', 'upgrade', 'proxy-authenticate']);

type Closer = () => Promise<void>;

function required(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set`);
  return v;
}

async function startUpstream(closers: Closer[]): Promise<FastifyInstance> {
  const nc = await connect({ servers: required(ENV_NATS_URL), name: 'bench-hop-upstream' });
  closers.push(() => nc.drain());
  const encoder = new TextEncoder();
  // Callback subscription: no async iterator between the message and the reply.
  nc.subscribe(HOP_SUBJECT, {
    callback: (err, msg) => {
      if (err === null) msg.respond(encoder.encode(itemBody()));
    },
  });
  await nc.flush(); // the subscription is registered on the server before we report ready

  const app = fastify({ logger: false });
  app.get(UPSTREAM_PATH, (_req, reply) => reply.type(JSON_TYPE).send(itemBody()));
  return app;
}

async function startFront(closers: Closer[]): Promise<FastifyInstance> {
  const nc: NatsConnection = await connect({ servers: required(ENV_NATS_URL), name: 'bench-hop-front' });
  closers.push(() => nc.drain());
  // Configured like the gateway's upstream pools (apps/api-gateway/src/proxy/upstreams.ts).
  const pool = new Pool(required(ENV_UPSTREAM_URL), {
    connections: Number(process.env[ENV_UPSTREAM_CONNECTIONS] ?? '64'),
    pipelining: 1,
    keepAliveTimeout: 30_000,
    headersTimeout: 10_000,
    bodyTimeout: 10_000,
  });
  closers.push(() => pool.close());
  const natsTimeoutMs = Number(process.env[ENV_NATS_TIMEOUT_MS] ?? '5000');
  const encoder = new TextEncoder();

  const forwardedHeaders = (headers: IncomingHttpHeaders): IncomingHttpHeaders => {
    const out: IncomingHttpHeaders = {};
    for (const [name, value] of Object.entries(headers)) if (!DROP_REQUEST.has(name)) out[name] = value;
    return out;
  };

  const app = fastify({ logger: false });
  // As the gateway does it: headers filtered, response body streamed back unparsed.
  app.get(FRONT_HTTP_PATH, async (req, reply) => {
    const res = await pool.request({ method: 'GET', path: UPSTREAM_PATH, headers: forwardedHeaders(req.headers) });
    void reply.status(res.statusCode);
    for (const [name, value] of Object.entries(res.headers)) {
      if (value !== undefined && !DROP_RESPONSE.has(name)) void reply.header(name, value);
    }
    return reply.send(res.body);
  });
  // What a NATS gateway would have to carry: method, path and the same filtered headers.
  app.get(FRONT_NATS_PATH, async (req, reply) => {
    const request = encoder.encode(JSON.stringify({ method: req.method, url: UPSTREAM_PATH, headers: forwardedHeaders(req.headers) }));
    const msg = await nc.request(HOP_SUBJECT, request, { timeout: natsTimeoutMs });
    return reply.type(JSON_TYPE).send(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
  });
  return app;
}

async function main(): Promise<void> {
  const role = process.argv[2];
  if (role !== 'upstream' && role !== 'front') throw new Error(`usage: hop-servers.js upstream|front (got ${role ?? 'nothing'})`);
  const send = process.send?.bind(process);
  if (!send) throw new Error('hop-servers.js runs as a forked child of gateway-hop.bench.js (no IPC channel)');

  const closers: Closer[] = [];
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Bounded: whatever does not close within 5 s is cut off by the exit.
    setTimeout(() => process.exit(0), 5_000).unref();
    void Promise.allSettled(closers.map((close) => close())).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('disconnect', stop); // the parent went away: never outlive it

  const app = role === 'upstream' ? await startUpstream(closers) : await startFront(closers);
  closers.unshift(() => app.close());
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  const ready: HopReady = { type: 'ready', role: role satisfies HopRole, port };
  send(ready);
}

main().catch((e: unknown) => {
  process.stderr.write(`hop-servers (${process.argv[2] ?? '?'}) failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
