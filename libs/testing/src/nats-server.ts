import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, portOpen, waitFor } from './ports';

const NATS_BINARY = process.env.SHIPYARD_TEST_NATS_SERVER ?? 'nats-server';

/**
 * A private NATS server with JetStream for one test file: real broker, its own port and store, so
 * tests never share streams and may stop and restart it at will.
 */
export class TestNatsServer {
  private proc: ChildProcess | null = null;
  private readonly storeDir = mkdtempSync(join(tmpdir(), 'shipyard-nats-'));

  private constructor(readonly port: number) {}

  static async start(): Promise<TestNatsServer> {
    const server = new TestNatsServer(await freePort());
    await server.startProcess();
    return server;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** Stops the server (SIGTERM, JetStream data kept on disk). */
  async stop(): Promise<void> {
    const p = this.proc;
    this.proc = null;
    if (!p || p.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      p.once('exit', () => resolve());
      p.kill('SIGTERM');
    });
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.startProcess();
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.storeDir, { recursive: true, force: true });
  }

  private async startProcess(): Promise<void> {
    this.proc = spawn(NATS_BINARY, ['-a', '127.0.0.1', '-p', String(this.port), '-js', '-sd', this.storeDir], { stdio: 'ignore' });
    const proc = this.proc;
    let failure: Error | null = null;
    proc.once('error', (e) => (failure = e));
    await waitFor(`nats-server on ${this.port}`, async () => {
      if (failure) throw failure;
      return portOpen(this.port);
    });
  }
}
