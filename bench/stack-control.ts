import { execFileSync } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestStack } from '@shipyard/testing';
import { ms } from './report';

/** stack.stop() waits for each service to exit; a service stuck in shutdown gets SIGKILL after 30 s. */
export async function stopStack(stack: TestStack, log: (line: string) => void): Promise<void> {
  const started = Date.now();
  const stopping = stack.stop().then(() => 'stopped' as const);
  const outcome = await Promise.race([stopping, sleep(30_000, 'timeout' as const, { ref: false })]);
  if (outcome === 'timeout') {
    process.stderr.write('stack did not stop within 30 s: sending SIGKILL to the services\n');
    await Promise.all([...stack.services.values()].map((p) => p.kill('SIGKILL')));
    await stopping;
  }
  log(`stack stopped in ${ms(Date.now() - started)} ms`);
}

/** SIGTERM to this process's own children (by pid), waiting up to 10 s for them to go. */
export async function terminateChildProcesses(): Promise<void> {
  let pids: number[] = [];
  try {
    pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((pid) => Number.isInteger(pid) && pid > 0);
  } catch {
    return; // no children (ps exits 1) or no ps
  }
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (pids.some(alive) && Date.now() < deadline) await sleep(100);
  for (const pid of pids) if (alive(pid)) process.kill(pid, 'SIGKILL');
}
