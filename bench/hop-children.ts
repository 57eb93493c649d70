import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { repoRoot } from '@shipyard/testing';
import { HopRole, isHopReady } from './hop-protocol';

/** One bench/hop-servers.js process (upstream or front), forked with its own event loop. */
export class HopChild {
  private readonly exited: Promise<void>;

  private constructor(
    readonly role: HopRole,
    private readonly proc: ChildProcess,
    readonly port: number,
  ) {
    this.exited = proc.exitCode !== null || proc.signalCode !== null ? Promise.resolve() : new Promise((resolve) => proc.once('exit', () => resolve()));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Forks the child and waits (at most `timeoutMs`) for it to report its port. */
  static async start(role: HopRole, env: Record<string, string>, timeoutMs = 15_000): Promise<HopChild> {
    const root = repoRoot();
    const proc = fork(join(__dirname, 'hop-servers.js'), [role], {
      cwd: root,
      execArgv: ['-r', join(root, 'tools', 'register-paths.js')],
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const port = await new Promise<number>((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${role} did not report ready within ${timeoutMs} ms`)), timeoutMs);
        proc.on('message', (m) => {
          if (isHopReady(m)) resolve(m.port);
        });
        proc.once('error', reject);
        proc.once('exit', (code, signal) => reject(new Error(`${role} exited before it was ready (${signal ?? `code ${code}`})`)));
      });
      return new HopChild(role, proc, port);
    } catch (e) {
      proc.kill('SIGKILL');
      throw e;
    } finally {
      clearTimeout(timer);
    }
  }

  /** SIGTERM, then SIGKILL if the process is still there after 8 s. */
  async stop(): Promise<void> {
    if (this.proc.exitCode !== null || this.proc.signalCode !== null) return;
    this.proc.kill('SIGTERM');
    const outcome = await Promise.race([this.exited.then(() => 'exited' as const), sleep(8_000, 'timeout' as const, { ref: false })]);
    if (outcome === 'timeout') {
      process.stderr.write(`${this.role} (pid ${this.proc.pid ?? '?'}) ignored SIGTERM for 8 s: SIGKILL\n`);
      this.proc.kill('SIGKILL');
      await this.exited;
    }
  }
}
