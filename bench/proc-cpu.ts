import { readFileSync } from 'node:fs';

/** CPU time (user + system) of a process and of its main thread, in microseconds, from /proc (Linux only). */
export interface CpuSample {
  totalUs: number;
  mainThreadUs: number;
}

const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

/** The fields of a /proc/<pid>/stat line after the command name (which may contain spaces and parentheses): the 3rd field first. */
function fieldsAfterComm(stat: string): string[] {
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

function ticks(statPath: string): number {
  const fields = fieldsAfterComm(readFileSync(statPath, 'utf8'));
  return Number(fields[11]) + Number(fields[12]); // utime (14th) + stime (15th)
}

/** cutime + cstime (µs) of a stat line: the CPU of the children that process waited for; null when it is not a stat line. */
export function waitedChildrenCpuUs(stat: string): number | null {
  if (!/^\d+ \(.*\) /.test(stat)) return null;
  const fields = fieldsAfterComm(stat);
  const t = Number(fields[13]) + Number(fields[14]); // cutime (16th) + cstime (17th)
  return Number.isFinite(t) ? t * TICK_US : null;
}

/** null where /proc is not there (macOS) or the process is gone. */
export function cpuOf(pid: number | undefined): CpuSample | null {
  if (pid === undefined) return null;
  try {
    return { totalUs: ticks(`/proc/${pid}/stat`) * TICK_US, mainThreadUs: ticks(`/proc/${pid}/task/${pid}/stat`) * TICK_US };
  } catch {
    return null;
  }
}

/** The sum over processes (a service's serving processes): main threads summed too. */
export function cpuOfAll(pids: readonly number[]): CpuSample | null {
  const samples = pids.map(cpuOf);
  if (samples.length === 0 || samples.some((x) => x === null)) return null;
  return samples.reduce<CpuSample>((acc, x) => ({ totalUs: acc.totalUs + (x?.totalUs ?? 0), mainThreadUs: acc.mainThreadUs + (x?.mainThreadUs ?? 0) }), { totalUs: 0, mainThreadUs: 0 });
}

/** CPU per request between two samples: whole process and main thread, µs. */
export function perRequest(before: CpuSample | null, after: CpuSample | null, requests: number): { totalUs: number; mainThreadUs: number } | null {
  if (!before || !after || requests <= 0) return null;
  return { totalUs: (after.totalUs - before.totalUs) / requests, mainThreadUs: (after.mainThreadUs - before.mainThreadUs) / requests };
}
