import { Logger } from '@nestjs/common';

/**
 * Runs `work` every `intervalMs` (first run after `firstDelayMs`), never two at once, logging failures
 * (a database restart makes a run fail; the next one retries). `stop` waits for a run in progress.
 */
export function runPeriodically(name: string, intervalMs: number, firstDelayMs: number, work: () => Promise<void>, logger: Logger): () => Promise<void> {
  let running: Promise<void> | null = null;
  let stopped = false;
  let timer: NodeJS.Timeout | null = null;
  const tick = () => {
    if (stopped) return;
    running = work()
      .catch((e: unknown) => logger.warn(`${name} failed: ${(e as Error).message}; retrying in ${Math.round(intervalMs / 1000)} s`))
      .finally(() => {
        running = null;
        if (!stopped) schedule(intervalMs);
      });
  };
  const schedule = (ms: number) => {
    timer = setTimeout(tick, ms);
    timer.unref();
  };
  schedule(firstDelayMs);
  return async () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    await running;
  };
}
