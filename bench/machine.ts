import { cpus, loadavg, release, totalmem } from 'node:os';

/** What the figures were measured on, printed and stored with every benchmark result. */
export interface Machine {
  cores: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  loadAverage1m: number;
  /** Filled in once a stack with a database is up. */
  postgres: string | null;
}

export function describeMachine(): Machine {
  const cpuList = cpus();
  return {
    cores: cpuList.length,
    cpuModel: cpuList[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${process.platform} ${release()} ${process.arch}`,
    node: process.version,
    loadAverage1m: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    postgres: null,
  };
}

export function machineLine(m: Machine): string {
  return `machine  ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, ${m.os}, node ${m.node}, load ${m.loadAverage1m}`;
}
