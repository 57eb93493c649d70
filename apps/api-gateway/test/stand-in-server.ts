import { createServer, IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What a stand-in answers to one request (read whole). */
export type StandInAnswer = (req: IncomingMessage, body: string) => { status: number; body: string };

/**
 * Another service's HTTP route on loopback, for the gateway's own clients of it (auth's API key verify,
 * the JWKS): counts requests, and holds its answers while `hold` is set, until `release()`.
 */
export class StandInServer {
  private readonly server: Server;
  requests = 0;
  hold = false;
  private held: Array<() => void> = [];

  constructor(answer: StandInAnswer) {
    this.server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        this.requests++;
        const a = answer(req, body);
        const send = () => res.writeHead(a.status, { 'content-type': 'application/json' }).end(a.body);
        if (this.hold) this.held.push(send);
        else send();
      });
    });
  }

  release(): void {
    for (const send of this.held.splice(0)) send();
  }

  async url(): Promise<string> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async close(): Promise<void> {
    this.release();
    await new Promise((resolve) => this.server.close(resolve));
  }
}
