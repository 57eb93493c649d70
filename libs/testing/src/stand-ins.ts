import { randomBytes } from 'node:crypto';
import { createServer, Socket } from 'node:net';
import { Readable } from 'node:stream';
import { freePort } from './ports';

/**
 * A TCP server on loopback standing in for a dependency that misbehaves at the network level (a frozen
 * S3 that accepts and never answers, one that resets mid-request): `onConnection` decides what each
 * connection gets. `close` destroys the open connections too.
 */
export async function tcpStandIn(onConnection: (socket: Socket) => void): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.on('close', () => sockets.delete(socket));
    onConnection(socket);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const close = () =>
    new Promise<void>((resolve) => {
      sockets.forEach((s) => s.destroy());
      server.close(() => resolve());
    });
  return { port, close };
}

/** A sized body that trickles in like a client upload: `chunk` bytes every `everyMs`, `onProgress` told the bytes handed out so far. */
export function tricklingBody(size: number, opts: { chunk?: number; everyMs?: number; onProgress?: (sent: number) => void } = {}): Readable {
  const { chunk = 64 * 1024, everyMs = 5, onProgress } = opts;
  let sent = 0;
  return new Readable({
    read() {
      if (sent >= size) {
        this.push(null);
        return;
      }
      setTimeout(() => {
        const n = Math.min(chunk, size - sent);
        sent += n;
        this.push(randomBytes(n));
        onProgress?.(sent);
      }, everyMs);
    },
  });
}
