import { ChildProcess, spawn } from 'node:child_process';
import { createSupervisor, forceKillAfterMs, upstreamUrls } from './supervisor';
import { isAlive } from '../libs/testing/src/processes';

type Behaviour = 'exits' | 'slow' | 'hangs';
type Fake = { name: string; behaviour: Behaviour };

// A stand-in for a service: says "up" once its SIGTERM handler is installed; on SIGTERM exits now,
// after a second ('slow', longer than the restart delay below), or never ('hangs').
const SCRIPT = `
const b = process.argv[1];
process.on('SIGTERM', () => { if (b === 'exits') process.exit(0); if (b === 'slow') setTimeout(() => process.exit(0), 1000); });
setInterval(() => undefined, 1000);
process.stdout.write('up\\n');
`;

function waitFor(what: string, cond: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const tick = () => {
      if (cond()) resolve();
      else if (Date.now() > deadline) reject(new Error(`timed out waiting for ${what}`));
      else setTimeout(tick, 20);
    };
    tick();
  });
}

function harness(opts: { forceKillAfterMs?: number } = {}) {
  const spawned: Array<{ name: string; child: ChildProcess; up: boolean }> = [];
  const said: string[] = [];
  const supervisor = createSupervisor<Fake>({
    spawnService: (s) => {
      const child = spawn(process.execPath, ['-e', SCRIPT, s.behaviour], { stdio: ['ignore', 'pipe', 'inherit'] });
      const entry = { name: s.name, child, up: false };
      child.stdout?.on('data', () => (entry.up = true));
      spawned.push(entry);
      return child;
    },
    say: (msg) => said.push(msg),
    restartDelayMs: 100,
    forceKillAfterMs: opts.forceKillAfterMs ?? 60_000,
  });
  const allUp = () => waitFor('services up', () => spawned.every((e) => e.up));
  return { supervisor, spawned, said, allUp };
}

describe('supervisor', () => {
  const cleanup: ChildProcess[] = [];
  afterEach(() => {
    for (const c of cleanup.splice(0)) if (c.pid && isAlive(c.pid)) c.kill('SIGKILL');
  });

  it('starts no restart once stopping: a service killed just before Ctrl-C leaves no process behind', async () => {
    const { supervisor, spawned, said, allUp } = harness();
    supervisor.start({ name: 'audit', behaviour: 'exits' });
    supervisor.start({ name: 'gateway', behaviour: 'slow' });
    await allUp();
    const audit = spawned[0]!.child;
    audit.kill('SIGKILL');
    await waitFor('the restart to be scheduled', () => said.some((m) => m.startsWith('audit exited (SIGKILL); restarting in')));
    // Within the restart delay (100 ms); the gateway takes 1 s to stop, so a restart would fire meanwhile.
    const code = await supervisor.stop('SIGINT');
    cleanup.push(...spawned.map((e) => e.child));
    expect(code).toBe(0);
    // Longer than any restart delay: nothing may start after the stop either.
    await new Promise((r) => setTimeout(r, 500));
    expect(spawned.map((e) => e.name)).toEqual(['audit', 'gateway']);
    for (const e of spawned) expect(isAlive(e.child.pid!)).toBe(false);
    expect(supervisor.children.size).toBe(0);
  });

  it('waits for every service process, and resolves 0 when all stopped on SIGTERM', async () => {
    const { supervisor, spawned, allUp } = harness();
    supervisor.start({ name: 'a', behaviour: 'exits' });
    supervisor.start({ name: 'b', behaviour: 'slow' });
    await allUp();
    cleanup.push(...spawned.map((e) => e.child));
    await expect(supervisor.stop('SIGTERM')).resolves.toBe(0);
    for (const e of spawned) expect(isAlive(e.child.pid!)).toBe(false);
  });

  it('SIGKILLs the remaining services on a second signal (a hung service), and resolves 1', async () => {
    const { supervisor, spawned, said, allUp } = harness();
    supervisor.start({ name: 'audit', behaviour: 'exits' });
    supervisor.start({ name: 'gateway', behaviour: 'exits' });
    await allUp();
    cleanup.push(...spawned.map((e) => e.child));
    const gateway = spawned[1]!.child;
    gateway.kill('SIGSTOP'); // hung: SIGTERM stays pending
    const first = supervisor.stop('SIGINT');
    await waitFor('audit to stop', () => !supervisor.children.has('audit'));
    expect(supervisor.children.has('gateway')).toBe(true);
    const second = supervisor.stop('SIGINT');
    await expect(second).resolves.toBe(1);
    await expect(first).resolves.toBe(1);
    expect(isAlive(gateway.pid!)).toBe(false);
    expect(said).toContainEqual(expect.stringMatching(/^SIGINT again: SIGKILL gateway \(pid \d+\)$/));
  });

  it('SIGKILLs what is left when the stop outlasts its bound, says which, and resolves 1', async () => {
    const { supervisor, spawned, said, allUp } = harness({ forceKillAfterMs: 1_000 });
    supervisor.start({ name: 'registry', behaviour: 'exits' });
    supervisor.start({ name: 'inference', behaviour: 'hangs' });
    await allUp();
    cleanup.push(...spawned.map((e) => e.child));
    await expect(supervisor.stop('SIGTERM')).resolves.toBe(1);
    for (const e of spawned) expect(isAlive(e.child.pid!)).toBe(false);
    expect(said).toContainEqual(expect.stringMatching(/^still running 1000 ms after SIGTERM: SIGKILL inference \(pid \d+\)$/));
  });

  it('bounds a stop by the services\u2019 own shutdown timeout plus a margin', () => {
    expect(forceKillAfterMs({})).toBe(15_000);
    expect(forceKillAfterMs({ SHIPYARD_SHUTDOWN_TIMEOUT_MS: '2000' })).toBe(7_000);
    expect(forceKillAfterMs({ SHIPYARD_SHUTDOWN_TIMEOUT_MS: 'x' })).toBe(15_000);
  });

  it('points the gateway at the ports the services were given, unless their URLs are set', () => {
    const services = [
      { name: 'auth', portVar: 'SHIPYARD_AUTH_PORT', defaultPort: 8081 },
      { name: 'registry', portVar: 'SHIPYARD_REGISTRY_PORT', defaultPort: 8082 },
      { name: 'api-gateway', portVar: 'SHIPYARD_GATEWAY_PORT', defaultPort: 8080 },
    ];
    expect(upstreamUrls(services, {})).toEqual({ SHIPYARD_AUTH_URL: 'http://127.0.0.1:8081', SHIPYARD_REGISTRY_URL: 'http://127.0.0.1:8082' });
    expect(upstreamUrls(services, { SHIPYARD_AUTH_PORT: '8301', SHIPYARD_REGISTRY_URL: 'http://registry.internal:80' })).toEqual({ SHIPYARD_AUTH_URL: 'http://127.0.0.1:8301', SHIPYARD_REGISTRY_URL: 'http://registry.internal:80' });
  });
});
