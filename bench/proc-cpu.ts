import { readFileSync } from 'node:fs';

/** CPU time (user + system) of a process and of its main thread, in microseconds, from /proc (Linux only). */
export interface CpuSample {
  totalUs: number;
  mainThreadUs: number;
}

const TICK_US = 1e6 / 100; // USER_HZ is 100 on Linux

function ticks(statPath: string): number {
  const raw = readFileSync(statPath, 'utf8');
  // Fields after the command name (which may contain spaces and parentheses): utime is the 14th, stime the 15th.
  const fields = raw.slice(raw.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
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

/** CPU per request between two samples: whole process and main thread, µs. */
export function perRequest(before: CpuSample | null, after: CpuSample | null, requests: number): { totalUs: number; mainThreadUs: number } | null {
  if (!before || !after || requests <= 0) return null;
  return { totalUs: (after.totalUs - before.totalUs) / requests, mainThreadUs: (after.mainThreadUs - before.mainThreadUs) / requests };
}
