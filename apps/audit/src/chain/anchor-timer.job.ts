import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Lifecycle } from '@shipyard/service-kit';
import type { AuditConfig } from '../config';
import { AUDIT_CONFIG } from '../tokens';
import { lockChain, newestAnchor, readHead, writeAnchor } from './chain-store';
import { chainMetrics } from './chain-metrics';
import { runPeriodically } from './periodic';

/**
 * Anchors the head every SHIPYARD_AUDIT_ANCHOR_INTERVAL_S when it moved since the last anchor, so a
 * quiet chain that never reaches the next count anchor still has its tail covered within minutes.
 */
@Injectable()
export class AnchorTimer implements OnApplicationBootstrap {
  private readonly logger = new Logger('audit-anchors');
  private readonly metrics = chainMetrics();

  constructor(
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
    private readonly ds: DataSource,
    private readonly lifecycle: Lifecycle,
  ) {}

  onApplicationBootstrap(): void {
    const seconds = this.config.SHIPYARD_AUDIT_ANCHOR_INTERVAL_S;
    if (seconds === 0) return;
    const stop = runPeriodically('interval anchor', seconds * 1000, seconds * 1000, async () => void (await this.anchorIfMoved()), this.logger);
    this.lifecycle.onShutdown('workers', 'anchor timer', stop);
  }

  /** Writes an anchor when the head is past the newest anchor; returns its seq, or null when none was due. */
  async anchorIfMoved(): Promise<number | null> {
    return this.ds.transaction(async (em) => {
      await lockChain(em);
      const head = await readHead(em);
      const anchor = await newestAnchor(em);
      if (!head || (anchor && anchor.seq >= head.seq)) return null;
      await writeAnchor(em, head, 'interval');
      this.metrics.anchors.inc({ reason: 'interval' });
      this.logger.log(`anchored chain head seq ${head.seq} hash ${head.hash.toString('hex')}`);
      return head.seq;
    });
  }
}
