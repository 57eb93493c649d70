import { createServer as createHttpServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo, createServer as createNetServer, Server as NetServer, Socket } from 'node:net';
import { OpenLoopRun, runOpenLoop } from './open-loop';

// Real servers on 127.0.0.1; every assertion is about counts and relationships, never about how fast.

async function listen(server: Server | NetServer): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function closeHttp(server: Server): Promise<void> {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}

/** An http server that counts the requests it got and answers each with `handle`. */
async function httpServer(handle: (req: IncomingMessage, res: ServerResponse, n: number, body: string) => void) {
  const state = { requests: 0 };
  const server = createHttpServer((req, res) => {
    const n = ++state.requests;
    const parts: Buffer[] = [];
    req.on('data', (d: Buffer) => parts.push(d));
    req.on('end', () => handle(req, res, n, Buffer.concat(parts).toString('utf8')));
  });
  const url = await listen(server);
  return { url, state, close: () => closeHttp(server) };
}

function accounted(run: OpenLoopRun): number {
  return run.ok + run.non2xx + run.errors + run.unfinished;
}

const never = () => new AbortController().signal;

describe('runOpenLoop', () => {
  it('sends the offered requests with the exact body and headers and counts every one', async () => {
    const body = JSON.stringify({ inputs: [1, 2, 3], text: 'héllo' });
    let mismatches = 0;
    const srv = await httpServer((req, res, _n, got) => {
      const good =
        req.method === 'POST' &&
        req.url === '/v1/infer?x=1' &&
        got === body &&
        req.headers['content-length'] === String(Buffer.byteLength(body)) &&
        req.headers['content-type'] === 'application/json' &&
        req.headers['x-test'] === 'abc' &&
        req.headers.connection === 'keep-alive' &&
        req.headers.host === new URL(srv.url).host;
      if (!good) mismatches++;
      res.writeHead(good ? 200 : 400, { 'content-type': 'text/plain', 'content-length': 2 });
      res.end('ok');
    });
    try {
      const run = await runOpenLoop({
        url: `${srv.url}/v1/infer?x=1`,
        connections: 4,
        durationS: 1,
        ratePerS: 200,
        headers: { 'content-type': 'application/json', 'x-test': 'abc' },
        body,
        signal: never(),
      });
      expect(mismatches).toBe(0);
      expect(run.non2xx).toBe(0);
      expect(srv.state.requests).toBe(accounted(run));
      expect(accounted(run)).toBe(200); // the whole schedule
      expect(run.ok).toBeGreaterThanOrEqual(150);
      expect(run.ok).toBeLessThanOrEqual(250);
      expect(run.latencyMs.count).toBe(run.ok);
      expect(run.serviceLatencyMs.count).toBe(run.ok);
      expect(run.offeredPerS).toBe(200);
      expect(run.autocannonMs).toBeNull();
      expect(run.aborted).toBe(false);
      // Counted from the schedule, a request can only look slower than from its write.
      expect(run.latencyMs.max!).toBeGreaterThanOrEqual(run.serviceLatencyMs.max!);
    } finally {
      await srv.close();
    }
  }, 5000);

  it('parses chunked bodies (with trailers) as 2xx and keeps 503s out of the latencies', async () => {
    const chunked = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain', trailer: 'x-checksum' });
      res.write('hello ');
      res.write('world');
      res.addTrailers({ 'x-checksum': 'abc' });
      res.end();
    });
    const unavailable = await httpServer((_req, res) => {
      res.writeHead(503, { 'content-length': 5 });
      res.end('nope!');
    });
    try {
      const a = await runOpenLoop({ url: chunked.url, connections: 2, durationS: 0.5, ratePerS: 100, signal: never() });
      expect(a.ok).toBeGreaterThan(0);
      expect(a.errors).toBe(0);
      expect(a.non2xx).toBe(0);
      expect(a.latencyMs.count).toBe(a.ok);
      expect(chunked.state.requests).toBe(accounted(a));

      const b = await runOpenLoop({ url: unavailable.url, connections: 2, durationS: 0.5, ratePerS: 100, signal: never() });
      expect(b.ok).toBe(0);
      expect(b.errors).toBe(0);
      expect(b.non2xx).toBeGreaterThan(0);
      expect(b.latencyMs.count).toBe(0);
      expect(b.serviceLatencyMs.count).toBe(0);
      expect(b.okPerS).toBe(0);
      expect(unavailable.state.requests).toBe(accounted(b));
    } finally {
      await chunked.close();
      await unavailable.close();
    }
  }, 5000);

  it('parses responses that arrive one byte at a time (content-length, chunked with extensions and trailers, 103 before 200)', async () => {
    const responses = [
      'HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: 1\r\n\r\nhello',
      'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\n',
      'HTTP/1.1 103 Early Hints\r\nLink: </a>; rel=preload\r\n\r\nHTTP/1.1 204 No Content\r\nX-B: 2\r\n\r\n',
    ];
    let served = 0;
    const sockets = new Set<Socket>();
    const server = createNetServer((socket) => {
      sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('close', () => sockets.delete(socket));
      let pending = '';
      let out: number[] = [];
      let writing = false;
      const writeNext = () => {
        const b = out.shift();
        if (b === undefined || socket.destroyed) {
          writing = false;
          return;
        }
        socket.write(Buffer.from([b]));
        setTimeout(writeNext, 1);
      };
      socket.on('data', (d: Buffer) => {
        pending += d.toString('latin1');
        let end: number;
        while ((end = pending.indexOf('\r\n\r\n')) >= 0) {
          pending = pending.slice(end + 4);
          out = out.concat([...Buffer.from(responses[served++ % responses.length]!, 'latin1')]);
        }
        if (!writing && out.length > 0) {
          writing = true;
          writeNext();
        }
      });
    });
    const url = await listen(server);
    try {
      // A response takes ~100 ms to dribble out; 4 requests 250 ms apart rarely queue (and queueing is harmless).
      const run = await runOpenLoop({ url, connections: 1, durationS: 1, ratePerS: 4, signal: never() });
      expect(run.errors).toBe(0);
      expect(run.non2xx).toBe(0);
      expect(run.ok).toBe(served); // every request that reached the server was answered and parsed
      expect(run.ok).toBeGreaterThanOrEqual(3); // each kind at least once
      expect(accounted(run)).toBe(4);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  }, 5000);

  it('reconnects after a connection: close, counts it as an error and goes on', async () => {
    const srv = await httpServer((_req, res, n) => {
      res.writeHead(200, { 'content-length': 2, ...(n % 3 === 0 ? { connection: 'close' } : {}) });
      res.end('ok');
    });
    try {
      const run = await runOpenLoop({ url: srv.url, connections: 2, durationS: 0.5, ratePerS: 100, signal: never() });
      expect(run.errors).toBeGreaterThan(0);
      expect(run.ok).toBeGreaterThan(run.errors); // two of every three are answered on a live connection
      expect(run.non2xx).toBe(0);
      expect(srv.state.requests).toBe(accounted(run));
    } finally {
      await srv.close();
    }
  }, 5000);

  it('stops when aborted and returns what it measured with aborted: true', async () => {
    const srv = await httpServer((_req, res) => {
      res.writeHead(200, { 'content-length': 2 });
      res.end('ok');
    });
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 300);
    try {
      const run = await runOpenLoop({ url: srv.url, connections: 2, durationS: 30, ratePerS: 100, signal: ac.signal });
      expect(run.aborted).toBe(true);
      expect(run.ok).toBeGreaterThan(0);
      expect(run.ok).toBeLessThan(30 * 100);
      expect(srv.state.requests).toBe(accounted(run));
    } finally {
      clearTimeout(timer);
      await srv.close();
    }
  }, 5000);

  it('charges queueing to the corrected latency when the server cannot keep up', async () => {
    const srv = await httpServer((_req, res) => {
      setTimeout(() => {
        res.writeHead(200, { 'content-length': 2 });
        res.end('ok');
      }, 50);
    });
    try {
      const run = await runOpenLoop({ url: srv.url, connections: 1, durationS: 0.5, ratePerS: 100, signal: never() });
      expect(run.ok).toBeGreaterThan(0);
      expect(run.latencyMs.p50!).toBeGreaterThan(run.serviceLatencyMs.p50!);
      expect(run.sentPerS!).toBeLessThan(run.offeredPerS);
      expect(run.unfinished).toBeGreaterThan(0); // requests still queued when the window closed
      expect(run.errors).toBe(0);
      // Every scheduled request is accounted for; the ones never sent never reached the server.
      expect(accounted(run)).toBe(50);
      expect(srv.state.requests).toBeLessThan(accounted(run));
    } finally {
      await srv.close();
    }
  }, 5000);
});
