import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';

/** Shutdown runs in this order, after the HTTP server has stopped taking requests and finished the ones in flight. */
export type ShutdownPhase = 'workers' | 'messaging' | 'database';
const ORDER: ShutdownPhase[] = ['workers', 'messaging', 'database'];

/**
 * Nest closes providers in module order, which would close the database under a relay still
 * publishing. Resources register here instead and are closed phase by phase: workers (relay,
 * consumers) finish their batch, then NATS drains, then the pool closes.
 */
@Injectable()
export class Lifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('lifecycle');
  private readonly hooks = new Map<ShutdownPhase, Array<{ name: string; fn: () => Promise<void> }>>();

  onShutdown(phase: ShutdownPhase, name: string, fn: () => Promise<void>): void {
    const list = this.hooks.get(phase) ?? [];
    list.push({ name, fn });
    this.hooks.set(phase, list);
  }

  async onApplicationShutdown(signal?: string): Promise<void> {
    if (signal) this.logger.log(`received ${signal}: HTTP drained, closing workers, messaging, database`);
    for (const phase of ORDER) {
      await Promise.all(
        (this.hooks.get(phase) ?? []).map(async (h) => {
          try {
            await h.fn();
          } catch (e) {
            this.logger.warn(`shutdown of ${h.name} failed: ${(e as Error).message}`);
          }
        }),
      );
    }
  }
}
