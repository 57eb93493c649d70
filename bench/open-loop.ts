import { connect, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { CannonOptions, CannonRun } from './cannon';
import { Distribution, distribution, ratePerSecond } from './stats';

/**
 * Open-loop load (like wrk2): requests are scheduled at a fixed rate whatever the server's pace, and each
 * one's latency counts from its scheduled send time, so a stalled server is charged for every request it
 * held up (coordinated omission corrected), not only for the one it was answering. Plain node:net, one
 * request in flight per keep-alive connection (no pipelining); due requests that find no idle connection
 * wait in a FIFO queue. Built to cost little CPU per request: one pre-built Buffer written per request, a
 * byte-level response parser with per-connection state, and no per-request closures or allocations
 * beyond node's own (a response head that arrives in pieces is the one case that copies).
 */
export interface OpenLoopOptions extends CannonOptions {
  /** Requests scheduled per second, evenly spaced (1/ratePerS apart) from the moment all connections are open. */
  ratePerS: number;
}

export interface OpenLoopRun extends CannonRun {
  /** Offered rate (requests scheduled per second) and the rate actually sent. */
  offeredPerS: number;
  /** Requests written per second over the scheduling window (durationS, or until the abort). */
  sentPerS: number | null;
  /** Latency from each request's scheduled send time (coordinated-omission corrected): what a client with a fixed arrival rate sees. 2xx only. */
  latencyMs: Distribution;
  /** Latency from the moment the request was actually written (what wrk reports). 2xx only. */
  serviceLatencyMs: Distribution;
  /** Requests still unanswered or never sent when the run ended. */
  unfinished: number;
}

/** A request in flight longer than this (from its write) is counted in `timeouts`; it stays in flight. */
const TIMEOUT_MS = 10_000;
/** After the scheduling window, how long in-flight requests may still be answered. */
const DRAIN_MS = 2_000;
/** Retry pause after a failed reconnect (the first retry after a lost connection is immediate). */
const RECONNECT_RETRY_MS = 50;
/** A response head larger than this is treated as a protocol error. */
const MAX_HEAD_BYTES = 64 * 1024;

const CR = 0x0d;
const LF = 0x0a;
const CRLFCRLF = Buffer.from('\r\n\r\n', 'latin1');

enum St {
  /** Status line and headers, up to the empty line. */
  Head,
  /** content-length body: `remaining` bytes left. */
  Body,
  /** Neither content-length nor chunked: the body ends when the server closes. */
  BodyUntilClose,
  /** Chunk-size line (hex size, optional ;extensions) up to LF. */
  ChunkSize,
  /** Chunk data: `remaining` bytes left. */
  ChunkData,
  /** The CRLF after a chunk's data. */
  ChunkDataEnd,
  /** Trailer lines after the last (0-size) chunk, up to the empty line. */
  Trailer,
}

/** Parse outcome of one 'data' event. */
enum Parsed {
  /** All bytes consumed; the connection stays usable. */
  More,
  /** The server will close (connection: close / HTTP/1.0): stop reading, replace the connection. */
  Close,
  /** Malformed or unsolicited bytes: replace the connection. */
  Broken,
}

function isHexValue(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  const l = b | 0x20;
  if (l >= 0x61 && l <= 0x66) return l - 0x61 + 10;
  return -1;
}

/**
 * The request bytes, built once. Our host (unless opts.headers names one), content-length (POST) and
 * connection: keep-alive; framing headers from opts.headers (content-length, connection,
 * transfer-encoding) are dropped so they cannot contradict the body we send.
 */
function buildRequest(url: URL, opts: CannonOptions): Buffer {
  const body = opts.body !== undefined ? Buffer.from(opts.body, 'utf8') : null;
  const lines = [`${body ? 'POST' : 'GET'} ${url.pathname}${url.search} HTTP/1.1`];
  const user = Object.entries(opts.headers ?? {});
  if (!user.some(([k]) => k.toLowerCase() === 'host')) lines.push(`host: ${url.host}`);
  for (const [k, v] of user) {
    if (/[\r\n]/.test(k) || /[\r\n]/.test(v) || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) throw new Error(`invalid header ${JSON.stringify(k)}`);
    const lower = k.toLowerCase();
    if (lower === 'content-length' || lower === 'connection' || lower === 'transfer-encoding') continue;
    lines.push(`${k}: ${v}`);
  }
  if (body) lines.push(`content-length: ${body.length}`);
  lines.push('connection: keep-alive', '', '');
  const head = Buffer.from(lines.join('\r\n'), 'latin1');
  return body ? Buffer.concat([head, body]) : head;
}

/** One keep-alive connection slot: its socket (replaced after a close) and its response-parser state. */
class Conn {
  socket: Socket | null = null;
  /** Connected and not closing. */
  ready = false;
  /** In the runner's idle queue. */
  queued = false;
  /** Connected at least once since the last lost connection (a failed connect retries after a pause). */
  everConnected = false;
  reconnectTimer: NodeJS.Timeout | null = null;

  inFlight = false;
  scheduledAt = 0;
  sentAt = 0;

  // Parser state for the response in progress.
  state = St.Head;
  /** Partial response head carried over from the previous 'data' event (null when none). */
  head: Buffer | null = null;
  remaining = 0;
  status = 0;
  closeAfter = false;
  chunkSize = 0;
  chunkDigits = 0;
  chunkExt = false;
  trailerLineLen = 0;

  resetParser(): void {
    this.state = St.Head;
    this.head = null;
    this.remaining = 0;
    this.status = 0;
    this.closeAfter = false;
  }
}

class OpenLoop {
  private readonly port: number;
  private readonly request: Buffer;
  private readonly intervalMs: number;
  /** Requests in the whole schedule (those due before durationS). */
  private readonly total: number;
  private readonly conns: Conn[] = [];
  /** FIFO ring of idle connections (each at most once, so `connections` slots suffice). */
  private readonly idle: (Conn | null)[];
  private idleHead = 0;
  private idleCount = 0;

  /** The clock runs (all connections were open); before that nothing is sent. */
  private started = false;
  private t0 = 0;
  private windowEnd = 0;
  /** Requests whose scheduled time has come (capped at total, frozen when scheduling stops). */
  private due = 0;
  /** Requests written; the next one to send is index `sent` (the queue is due - sent). */
  private sent = 0;
  private inFlightCount = 0;
  private stopped = false;
  private tickTimer: NodeJS.Timeout | null = null;
  private endTimer: NodeJS.Timeout | null = null;
  private drainTimer: NodeJS.Timeout | null = null;
  private finish: (() => void) | null = null;

  private ok = 0;
  private non2xx = 0;
  private errors = 0;
  private timeouts = 0;
  private readonly corrected: Float64Array;
  private readonly service: Float64Array;

  constructor(private readonly opts: OpenLoopOptions, url: URL) {
    this.port = Number(url.port || 80);
    this.request = buildRequest(url, opts);
    this.intervalMs = 1000 / opts.ratePerS;
    this.total = Math.max(1, Math.ceil(opts.durationS * opts.ratePerS - 1e-9));
    this.corrected = new Float64Array(this.total);
    this.service = new Float64Array(this.total);
    this.idle = new Array<Conn | null>(opts.connections).fill(null);
  }

  async run(): Promise<OpenLoopRun> {
    const { signal } = this.opts;
    await this.openAll();
    const onAbort = () => this.stop();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      const done = new Promise<void>((resolve) => (this.finish = resolve));
      this.t0 = performance.now();
      this.started = true;
      if (signal.aborted) {
        // Aborted while connecting: nothing was offered.
        this.stopped = true;
        this.windowEnd = this.t0;
        this.done();
      } else {
        this.endTimer = setTimeout(() => this.stop(), this.opts.durationS * 1000);
        this.tick();
      }
      await done;
      return this.result(performance.now());
    } finally {
      signal.removeEventListener('abort', onAbort);
      this.teardown();
    }
  }

  /** Opens every connection before the clock starts; rejects (after closing them all) if any fails. */
  private async openAll(): Promise<void> {
    const opening: Promise<void>[] = [];
    for (let i = 0; i < this.opts.connections; i++) {
      const c = new Conn();
      this.conns.push(c);
      opening.push(
        new Promise<void>((resolve, reject) => {
          const s = this.attach(c);
          s.once('connect', () => resolve());
          s.once('close', () => reject(new Error(`could not connect to 127.0.0.1:${this.port}`)));
        }),
      );
    }
    try {
      await Promise.all(opening);
    } catch (err) {
      this.stopped = true;
      this.teardown();
      throw err;
    }
  }

  /** A new socket for the slot, with this socket's own handlers (events of a replaced socket are ignored). */
  private attach(c: Conn): Socket {
    const s = connect({ host: '127.0.0.1', port: this.port });
    s.setNoDelay(true);
    c.socket = s;
    c.ready = false;
    c.everConnected = false;
    c.resetParser();
    s.on('connect', () => {
      if (c.socket !== s) return;
      c.ready = true;
      c.everConnected = true;
      this.makeIdle(c);
      this.pump(performance.now());
    });
    s.on('data', (chunk: Buffer) => {
      if (c.socket === s) this.onData(c, chunk);
    });
    s.on('error', () => {
      // 'close' follows and does the accounting.
    });
    s.on('close', () => {
      if (c.socket === s) this.lost(c);
    });
    return s;
  }

  /** The slot's socket closed or failed: the in-flight request (or the failed connect) is an error. */
  private lost(c: Conn): void {
    const wasConnected = c.everConnected;
    c.socket = null;
    c.ready = false;
    if (c.inFlight) {
      c.inFlight = false;
      this.inFlightCount--;
      this.errors++;
    } else if (!wasConnected && !this.stopped && this.started) {
      this.errors++; // a reconnect that failed
    }
    c.resetParser();
    if (this.stopped) {
      this.maybeFinishDrain();
      return;
    }
    if (!this.started && !wasConnected) return; // a first connect failed: openAll rejects
    if (wasConnected) this.attach(c);
    else
      c.reconnectTimer = setTimeout(() => {
        c.reconnectTimer = null;
        if (!this.stopped) this.attach(c);
      }, RECONNECT_RETRY_MS);
  }

  /** Drop the slot's socket on purpose (server said close, or spoke garbage) and open a fresh one. */
  private replace(c: Conn): void {
    const s = c.socket;
    c.socket = null; // its 'close' is now ignored
    c.ready = false;
    if (s) s.destroy();
    if (c.inFlight) {
      c.inFlight = false;
      this.inFlightCount--;
      this.errors++;
    }
    c.resetParser();
    if (this.stopped) this.maybeFinishDrain();
    else this.attach(c);
  }

  private makeIdle(c: Conn): void {
    if (c.queued) return;
    c.queued = true;
    const n = this.idle.length;
    this.idle[(this.idleHead + this.idleCount) % n] = c;
    this.idleCount++;
  }

  private takeIdle(): Conn | null {
    const n = this.idle.length;
    while (this.idleCount > 0) {
      const c = this.idle[this.idleHead]!;
      this.idle[this.idleHead] = null;
      this.idleHead = (this.idleHead + 1) % n;
      this.idleCount--;
      c.queued = false;
      if (c.ready && !c.inFlight) return c;
    }
    return null;
  }

  /** Sends every due request that finds an idle connection (oldest first). */
  private pump(now: number): void {
    if (this.stopped || !this.started) return;
    let due = Math.floor((now - this.t0) / this.intervalMs) + 1;
    if (due > this.total) due = this.total;
    if (due > this.due) this.due = due;
    while (this.sent < this.due) {
      const c = this.takeIdle();
      if (c === null) return;
      c.inFlight = true;
      c.scheduledAt = this.t0 + this.sent * this.intervalMs;
      c.sentAt = now;
      this.sent++;
      this.inFlightCount++;
      c.socket!.write(this.request);
    }
  }

  private readonly tick = (): void => {
    this.tickTimer = null;
    if (this.stopped) return;
    const now = performance.now();
    this.pump(now);
    if (this.due < this.total) {
      const next = this.t0 + this.due * this.intervalMs;
      this.tickTimer = setTimeout(this.tick, Math.max(0, next - now));
    }
  };

  /** End of the scheduling window (durationS or abort): nothing more is sent; in-flight requests get DRAIN_MS. */
  private stop(): void {
    if (this.stopped) return;
    const now = performance.now();
    // Requests whose time came before the stop count as offered; the ones an idle connection can take
    // still go out (the timer merely had not fired yet), the rest are queued and end up unfinished.
    this.pump(now);
    this.stopped = true;
    this.windowEnd = now;
    if (this.tickTimer) clearTimeout(this.tickTimer);
    if (this.endTimer) clearTimeout(this.endTimer);
    this.tickTimer = this.endTimer = null;
    for (const c of this.conns) {
      if (c.reconnectTimer) clearTimeout(c.reconnectTimer);
      c.reconnectTimer = null;
    }
    this.drainTimer = setTimeout(() => this.done(), DRAIN_MS);
    this.maybeFinishDrain();
  }

  private maybeFinishDrain(): void {
    if (this.stopped && this.inFlightCount === 0) this.done();
  }

  private done(): void {
    if (this.drainTimer) clearTimeout(this.drainTimer);
    this.drainTimer = null;
    const f = this.finish;
    this.finish = null;
    if (f) f();
  }

  private teardown(): void {
    for (const t of [this.tickTimer, this.endTimer, this.drainTimer]) if (t) clearTimeout(t);
    for (const c of this.conns) {
      if (c.reconnectTimer) clearTimeout(c.reconnectTimer);
      c.reconnectTimer = null;
      const s = c.socket;
      c.socket = null;
      c.ready = false;
      if (s) s.destroy();
    }
  }

  private onData(c: Conn, chunk: Buffer): void {
    const now = performance.now();
    const outcome = this.parse(c, chunk, now);
    if (outcome !== Parsed.More) this.replace(c);
    else if (!c.inFlight && c.ready) {
      this.makeIdle(c);
      this.pump(now);
    }
    if (this.stopped) this.maybeFinishDrain();
  }

  /** One whole response arrived on `c`. */
  private complete(c: Conn, now: number): void {
    const status = c.status;
    const close = c.closeAfter;
    c.resetParser();
    if (!c.inFlight) return; // unsolicited; the caller treats what follows as broken
    if (close) return; // counted as an error when the caller replaces the connection
    c.inFlight = false;
    this.inFlightCount--;
    if (now - c.sentAt > TIMEOUT_MS) this.timeouts++;
    if (status >= 200 && status < 300) {
      const i = this.ok++;
      this.corrected[i] = now - c.scheduledAt;
      this.service[i] = now - c.sentAt;
    } else this.non2xx++;
  }

  /** Feeds one 'data' chunk through the response parser; any number of responses, split at any byte. */
  private parse(c: Conn, chunk: Buffer, now: number): Parsed {
    const n = chunk.length;
    let pos = 0;
    while (pos < n) {
      switch (c.state) {
        case St.Head: {
          if (!c.inFlight) return Parsed.Broken; // bytes nobody asked for
          let buf = chunk;
          let start = pos;
          let from = pos;
          const carried = c.head;
          if (carried !== null) {
            buf = Buffer.concat([carried, chunk.subarray(pos)]);
            start = 0;
            from = Math.max(0, carried.length - 3);
          }
          const end = buf.indexOf(CRLFCRLF, from);
          if (end < 0) {
            if (buf.length - start > MAX_HEAD_BYTES) return Parsed.Broken;
            c.head = buf.subarray(start);
            return Parsed.More;
          }
          c.head = null;
          if (!this.parseHead(c, buf, start, end + 2)) return Parsed.Broken;
          pos += carried !== null ? end + 4 - carried.length : end + 4 - pos;
          const s = c.status;
          if (s >= 100 && s < 200) {
            if (s === 101) return Parsed.Broken; // we never ask to switch protocols
            c.resetParser(); // interim response (100 Continue, 103 Early Hints): the real one follows
            continue;
          }
          if (c.state === St.Head) {
            // no body
            const close = c.closeAfter;
            this.complete(c, now);
            if (close) return Parsed.Close;
          }
          continue;
        }
        case St.Body:
        case St.ChunkData: {
          const avail = n - pos;
          const take = c.remaining < avail ? c.remaining : avail;
          pos += take;
          c.remaining -= take;
          if (c.remaining === 0) {
            if (c.state === St.ChunkData) c.state = St.ChunkDataEnd;
            else {
              const close = c.closeAfter;
              this.complete(c, now);
              if (close) return Parsed.Close;
            }
          }
          continue;
        }
        case St.BodyUntilClose:
          return Parsed.More; // everything up to the close is body; 'close' settles the request
        case St.ChunkSize: {
          while (pos < n) {
            const b = chunk[pos++]!;
            if (b === LF) {
              if (c.chunkDigits === 0) return Parsed.Broken;
              if (c.chunkSize === 0) {
                c.state = St.Trailer;
                c.trailerLineLen = 0;
              } else {
                c.state = St.ChunkData;
                c.remaining = c.chunkSize;
              }
              break;
            }
            if (c.chunkExt || b === CR) continue;
            const v = isHexValue(b);
            if (v < 0) {
              if (c.chunkDigits === 0) return Parsed.Broken;
              c.chunkExt = true; // ';ext' or whitespace: ignored up to LF
              continue;
            }
            if (++c.chunkDigits > 12) return Parsed.Broken; // > 2^48 bytes: not a real chunk
            c.chunkSize = c.chunkSize * 16 + v;
          }
          continue;
        }
        case St.ChunkDataEnd: {
          while (pos < n) {
            const b = chunk[pos++]!;
            if (b === LF) {
              this.startChunk(c);
              break;
            }
            if (b !== CR) return Parsed.Broken;
          }
          continue;
        }
        case St.Trailer: {
          while (pos < n) {
            const b = chunk[pos++]!;
            if (b === LF) {
              if (c.trailerLineLen === 0) {
                const close = c.closeAfter;
                this.complete(c, now);
                if (close) return Parsed.Close;
                break;
              }
              c.trailerLineLen = 0;
            } else if (b !== CR) c.trailerLineLen++;
          }
          continue;
        }
      }
    }
    return Parsed.More;
  }

  private startChunk(c: Conn): void {
    c.state = St.ChunkSize;
    c.chunkSize = 0;
    c.chunkDigits = 0;
    c.chunkExt = false;
  }

  /**
   * Status line and header lines in buf[start, end) (end is just past the last header line's CRLF). Sets
   * status, closeAfter and the body state (left at Head when there is no body). Only the three framing
   * headers are ever turned into strings.
   */
  private parseHead(c: Conn, buf: Buffer, start: number, end: number): boolean {
    // "HTTP/1.x NNN"
    if (end - start < 14 || buf[start] !== 0x48 || buf[start + 4] !== 0x2f || buf[start + 5] !== 0x31 || buf[start + 6] !== 0x2e) return false;
    const minor = buf[start + 7]!;
    const d0 = buf[start + 9]! - 0x30;
    const d1 = buf[start + 10]! - 0x30;
    const d2 = buf[start + 11]! - 0x30;
    if (buf[start + 8] !== 0x20 || d0 < 1 || d0 > 5 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return false;
    c.status = d0 * 100 + d1 * 10 + d2;
    let keepAlive = minor !== 0x30; // HTTP/1.0 closes unless it says keep-alive
    let close = false;
    let length = -1;
    let chunked = false;
    let line = buf.indexOf(LF, start) + 1;
    while (line < end) {
      let eol = buf.indexOf(LF, line);
      if (eol < 0 || eol >= end) eol = end - 1;
      const first = buf[line]! | 0x20;
      if (first === 0x63 /* c */ || first === 0x74 /* t */) {
        const colon = buf.indexOf(0x3a, line);
        if (colon > line && colon < eol) {
          const nameLen = colon - line;
          if (nameLen === 14 || nameLen === 10 || nameLen === 17) {
            const name = buf.toString('latin1', line, colon).toLowerCase();
            const value = buf.toString('latin1', colon + 1, eol).trim().toLowerCase();
            if (name === 'content-length') {
              if (!/^\d+$/.test(value)) return false;
              const v = Number(value);
              if (length >= 0 && length !== v) return false;
              length = v;
            } else if (name === 'transfer-encoding') {
              chunked = /(^|,)\s*chunked$/.test(value);
              if (!chunked) return false; // another coding last: the body would run to close; not worth supporting
            } else if (name === 'connection') {
              for (const token of value.split(',')) {
                const t = token.trim();
                if (t === 'close') close = true;
                else if (t === 'keep-alive') keepAlive = true;
              }
            }
          }
        }
      }
      line = eol + 1;
    }
    c.closeAfter = close || !keepAlive;
    const s = c.status;
    if ((s >= 100 && s < 200) || s === 204 || s === 304) c.state = St.Head;
    else if (chunked) this.startChunk(c);
    else if (length > 0) {
      c.state = St.Body;
      c.remaining = length;
    } else if (length === 0) c.state = St.Head;
    else {
      c.state = St.BodyUntilClose;
      c.closeAfter = true;
    }
    return true;
  }

  private result(end: number): OpenLoopRun {
    let overdue = 0;
    for (const c of this.conns) if (c.inFlight && end - c.sentAt > TIMEOUT_MS) overdue++;
    const windowMs = (this.stopped ? this.windowEnd : end) - this.t0;
    const elapsedMs = end - this.t0;
    return {
      url: this.opts.url,
      connections: this.opts.connections,
      durationS: this.opts.durationS,
      elapsedS: elapsedMs / 1000,
      okPerS: ratePerSecond(this.ok, elapsedMs),
      ok: this.ok,
      non2xx: this.non2xx,
      errors: this.errors,
      timeouts: this.timeouts + overdue,
      latencyMs: distribution(Array.from(this.corrected.subarray(0, this.ok))),
      autocannonMs: null,
      generatorCpuUs: null, // runs in the caller's process
      aborted: this.opts.signal.aborted,
      offeredPerS: this.opts.ratePerS,
      sentPerS: ratePerSecond(this.sent, windowMs),
      serviceLatencyMs: distribution(Array.from(this.service.subarray(0, this.ok))),
      unfinished: this.due - this.sent + this.inFlightCount,
    };
  }
}

/**
 * One open-loop run: `connections` keep-alive connections are opened first, then requests are scheduled
 * every 1/ratePerS s for durationS s (or until the abort) and each is written on an idle connection as
 * soon as one is free. After the window, in-flight requests get 2 s to be answered; whatever is left (in
 * flight or never sent) is `unfinished`.
 *
 * Counting: 2xx → ok (and both latency distributions), other statuses → non2xx. A response that says
 * `connection: close` (or HTTP/1.0 without keep-alive, or a body that runs to the close), a socket that
 * closes or fails with a request in flight, a malformed response, and a failed reconnect are each one
 * error; the slot then reconnects and the run goes on. `timeouts` counts requests answered (or still in
 * flight at the end) more than 10 s after they were written; those are also counted where they ended.
 */
export async function runOpenLoop(opts: OpenLoopOptions): Promise<OpenLoopRun> {
  const url = new URL(opts.url);
  if (url.hostname !== '127.0.0.1') throw new Error(`the benchmark only talks to 127.0.0.1, not ${url.hostname}`);
  if (url.protocol !== 'http:') throw new Error(`the open-loop generator speaks plain http, not ${url.protocol}`);
  if (!(Number.isFinite(opts.ratePerS) && opts.ratePerS > 0)) throw new RangeError(`ratePerS must be > 0, got ${opts.ratePerS}`);
  if (!(Number.isInteger(opts.connections) && opts.connections >= 1)) throw new RangeError(`connections must be a positive integer, got ${opts.connections}`);
  if (!(Number.isFinite(opts.durationS) && opts.durationS > 0)) throw new RangeError(`durationS must be > 0, got ${opts.durationS}`);
  return new OpenLoop(opts, url).run();
}
