import { UsageError } from './options';

/**
 * Runs a benchmark's `main`: a UsageError prints its message and exits 2, any other failure prints its
 * stack and exits 1. Afterwards the process ends within 5 s, whatever still holds the event loop open
 * (a stray socket).
 */
export function runBench(name: string, main: () => Promise<void> | void): void {
  Promise.resolve()
    .then(main)
    .catch((e: unknown) => {
      if (e instanceof UsageError) {
        process.stderr.write(e.message + '\n');
        process.exitCode = 2;
        return;
      }
      process.stderr.write(`${name} benchmark failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    })
    .finally(() => setTimeout(() => process.exit(), 5_000).unref());
}
