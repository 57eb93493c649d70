export interface BenchOptions {
  durationS: number;
  rates: number[];
  maxInFlight: number;
  closedLoopWriters: number;
  serialWrites: number;
  warmupWrites: number;
  outputPath: string;
}

const USAGE = `usage: npm run bench:audit -- [--duration <s>] [--rates <r1,r2,...>] [--max-in-flight <n>] [--writers <n>] [--out <path>]
  env: BENCH_DURATION_S, BENCH_RATES, BENCH_MAX_IN_FLIGHT, BENCH_WRITERS, BENCH_OUT`;

/** Flags win over environment variables, which win over the defaults. */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): BenchOptions {
  const flags = parseFlags(argv, ['duration', 'rates', 'max-in-flight', 'writers', 'out'], USAGE);
  const pick = (flag: string, variable: string) => flags.get(flag) ?? env[variable];
  return {
    durationS: positive('duration', pick('duration', 'BENCH_DURATION_S') ?? '10', false, USAGE),
    rates: positiveIntegers('rates', pick('rates', 'BENCH_RATES') ?? '100,500,1000', USAGE),
    maxInFlight: positive('max-in-flight', pick('max-in-flight', 'BENCH_MAX_IN_FLIGHT') ?? '256', true, USAGE),
    closedLoopWriters: positive('writers', pick('writers', 'BENCH_WRITERS') ?? '64', true, USAGE),
    serialWrites: 100,
    warmupWrites: 200,
    outputPath: pick('out', 'BENCH_OUT') ?? 'tmp/bench/audit-lag.json',
  };
}

export class UsageError extends Error {}

/** `--name value` and `--name=value` pairs; anything else, or a name not in `known`, is a usage error. */
export function parseFlags(argv: readonly string[], known: readonly string[], usage: string): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg === '--help' || arg === '-h') throw new UsageError(usage);
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!m?.[1]) throw new UsageError(`unknown argument ${arg}\n${usage}`);
    const value = m[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`--${m[1]} needs a value\n${usage}`);
    flags.set(m[1], value);
  }
  for (const k of flags.keys()) if (!known.includes(k)) throw new UsageError(`unknown option --${k}\n${usage}`);
  return flags;
}

export function positive(name: string, raw: string, integer: boolean, usage: string): number {
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new UsageError(`--${name}: expected a positive ${integer ? 'integer' : 'number'}, got "${raw}"\n${usage}`);
  }
  return n;
}

/** A comma-separated list of positive integers, e.g. "1,16,64". */
export function positiveIntegers(name: string, raw: string, usage: string): number[] {
  return raw.split(',').map((r) => positive(name, r.trim(), true, usage));
}
