import { createServer, Socket } from 'node:net';

/*
 * Ports for the services tests start. Asking the OS for one (listen on 0, close, hand it to a child that
 * binds it seconds later) races: the OS may give the same port to the other jest worker, or to an
 * outgoing connection, in between; one child then fails to bind while its harness finds the *other*
 * worker's service answering on that port. So each jest worker takes ports from its own block below the
 * OS's ephemeral range (32768-60999 on Linux), in order, skipping any that something already holds.
 */
const BLOCK_BASE = 20_000;
const BLOCK_SIZE = 1_500;
const BLOCKS = 8; // jest workers 1..7 use blocks 0..6; anything else (benchmarks, scripts) block 7
const workerId = Number(process.env.JEST_WORKER_ID);
const block = Number.isInteger(workerId) && workerId >= 1 && workerId < BLOCKS ? workerId - 1 : BLOCKS - 1;
let next = 0;

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', () => resolve(false));
    srv.listen(port, '127.0.0.1', () => srv.close(() => resolve(true)));
  });
}

/** A TCP port free on loopback right now, from this process's block; never the same one twice in a process. */
export async function freePort(): Promise<number> {
  for (let tried = 0; tried < BLOCK_SIZE; tried++) {
    const port = BLOCK_BASE + block * BLOCK_SIZE + (next++ % BLOCK_SIZE);
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${BLOCK_BASE + block * BLOCK_SIZE}-${BLOCK_BASE + (block + 1) * BLOCK_SIZE - 1}`);
}

export function portOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = new Socket();
    s.setTimeout(500);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
    s.once('timeout', () => {
      s.destroy();
      resolve(false);
    });
    s.connect(port, host);
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 20_000, intervalMs = 50): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      if ((e as Error).constructor.name === 'ServiceExited') throw e;
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${(lastError as Error).message}` : ''}`);
}
