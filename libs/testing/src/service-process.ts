import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { waitFor } from './ports';

export type ServiceName = 'api-gateway' | 'auth' | 'registry' | 'experiments' | 'audit' | 'inference';

/** The repository root (where nx.json is), found from this file whether it runs from source or dist/. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'nx.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('nx.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
}

export function serviceEntry(service: ServiceName): string {
  const entry = join(repoRoot(), 'dist', 'apps', service, 'src', 'main.js');
  if (!existsSync(entry)) throw new Error(`${entry} is missing: run \`npm run build\` first`);
  return entry;
}

/** A service process ended while we waited for it: no point waiting longer. */
export class ServiceExited extends Error {}

/**
 * One service as a real OS process, started from the compiled build exactly as `npm start` runs it.
 * Output is kept (last 2,000 lines) so a failing test can show what the service said.
 */
export class ServiceProcess {
  private proc: ChildProcess | null = null;
  private readonly lines: string[] = [];
  private exitPromise: Promise<number | null> = Promise.resolve(null);

  constructor(
    readonly service: ServiceName,
    readonly port: number,
    private readonly env: Record<string, string>,
  ) {}

  get baseUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  get running(): boolean {
    return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
  }

  start(extraEnv: Record<string, string> = {}): void {
    if (this.running) throw new Error(`${this.service} already running`);
    const root = repoRoot();
    const proc = spawn(process.execPath, ['-r', join(root, 'tools', 'register-paths.js'), serviceEntry(this.service)], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', ...this.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.proc = proc;
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line) this.lines.push(line);
      if (this.lines.length > 2000) this.lines.splice(0, this.lines.length - 2000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    this.exitPromise = new Promise((resolve) => proc.once('exit', (code) => resolve(code)));
  }

  async waitReady(timeoutMs = 30_000): Promise<void> {
    let exited = false;
    void this.exitPromise.then(() => (exited = this.proc !== null && !this.running));
    await waitFor(
      `${this.service} ready on ${this.port}`,
      async () => {
        if (exited || !this.running) return Promise.reject(new ServiceExited(`${this.service} exited:\n${this.output(40)}`));
        const res = await fetch(`${this.baseUrl}/health/ready`);
        return res.status === 200;
      },
      timeoutMs,
      100,
    );
  }

  /** Sends a signal and waits for the process to exit. */
  async kill(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (!this.running) return this.proc?.exitCode ?? null;
    this.proc?.kill(signal);
    return this.exitPromise;
  }

  exited(): Promise<number | null> {
    return this.exitPromise;
  }

  output(lastN = 200): string {
    return this.lines.slice(-lastN).join('\n');
  }
}
