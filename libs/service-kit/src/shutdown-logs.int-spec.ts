import { spawn } from 'node:child_process';
import { join } from 'node:path';

/**
 * A service's log lines are buffered (libs/observability/src/logger.ts) and flushed on 'exit'; the
 * shutdown path must end in process.exit, not in a re-raised signal (which kills the process without
 * an 'exit' event), or the lines logged while shutting down are lost.
 */
describe('shutdown logs', () => {
  const root = join(__dirname, '..', '..', '..');

  it.each(['SIGTERM', 'SIGINT'] as const)('writes the buffered log lines, shutdown ones included, before the process ends on %s', async (signal) => {
    const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-r', 'tsconfig-paths/register', join(__dirname, 'shutdown-logs.fixture.ts')], {
      cwd: root,
      env: { ...process.env, TS_NODE_PROJECT: join(root, 'tsconfig.spec.json'), SHIPYARD_LOG_FORMAT: 'json' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, sig) => resolve({ code, signal: sig })));
    try {
      await new Promise<void>((resolve, reject) => {
        const check = () => (out.includes('READY\n') ? resolve() : undefined);
        child.stdout.on('data', check);
        void exited.then(() => reject(new Error(`fixture exited before READY:\n${out}`)));
      });
      child.kill(signal);
      const result = await exited;
      expect(out).toContain('fixture: a line logged before the signal');
      expect(out).toContain(`received ${signal}: HTTP drained, closing workers, messaging, database`);
      expect(out).toContain('fixture: last shutdown step done');
      expect(result).toEqual({ code: 0, signal: null });
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }, 120_000);
});
