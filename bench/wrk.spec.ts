import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { childrenCpuUs } from './wrk';

describe('childrenCpuUs (wrk CPU from the stat line of the sh that waited for it)', () => {
  it('reads cutime + cstime (fields 16 and 17, clock ticks of 10 ms), also when the command name holds spaces and parens', () => {
    const stat = '4242 (sh (x) y) S 4241 4242 4242 0 -1 4194304 120 340 0 0 1 2 61 9 20 0 1 0 5000 2580480 200 18446744073709551615';
    expect(childrenCpuUs(`some wrk warning\n${stat}\n`)).toBe((61 + 9) * 10_000);
  });

  it('is null when sh printed no stat line (no /proc)', () => {
    expect(childrenCpuUs('')).toBeNull();
    expect(childrenCpuUs('cat: /proc/1/stat: No such file or directory\n')).toBeNull();
  });

  it('measures the CPU a child spent, as runWrk takes it from sh (Linux)', () => {
    if (!existsSync('/proc/self/stat')) return; // no /proc: runWrk reports null, as tested above
    // The child burns 300 ms of CPU (counted by its own CPU clock, not by wall time).
    const burn = `${JSON.stringify(process.execPath)} -e "const s = process.cpuUsage(); while (process.cpuUsage(s).user < 300000);"`;
    const r = spawnSync('sh', ['-c', `${burn}; cat /proc/$$/stat >&2`], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(childrenCpuUs(r.stderr)).toBeGreaterThanOrEqual(290_000);
  });
});
