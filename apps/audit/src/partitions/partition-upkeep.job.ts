import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Lifecycle } from '@shipyard/service-kit';
import { chainMetrics } from '../chain/chain-metrics';
import { runPeriodically } from '../chain/periodic';
import type { AuditConfig } from '../config';
import { AUDIT_CONFIG } from '../tokens';

const EVERY_MS = 6 * 3_600_000;

/**
 * Keeps monthly partitions of audit.events ready: this month and SHIPYARD_AUDIT_PARTITIONS_AHEAD more,
 * at boot and every six hours. The DDL runs inside audit.ensure_partitions (SECURITY DEFINER), so a
 * service role limited to SELECT and INSERT can do it; replicas serialise on an advisory lock there.
 */
@Injectable()
export class PartitionUpkeep implements OnApplicationBootstrap {
  private readonly logger = new Logger('audit-partitions');
  private readonly metrics = chainMetrics();

  constructor(
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
    private readonly ds: DataSource,
    private readonly lifecycle: Lifecycle,
  ) {}

  onApplicationBootstrap(): void {
    const stop = runPeriodically('partition upkeep', EVERY_MS, 0, async () => void (await this.ensureAhead()), this.logger);
    this.lifecycle.onShutdown('workers', 'partition upkeep', stop);
  }

  /** Creates the missing partitions from this month to SHIPYARD_AUDIT_PARTITIONS_AHEAD ahead; returns how many. */
  async ensureAhead(at: Date = new Date()): Promise<number> {
    const rows = await this.ds.query<Array<{ created: number }>>('SELECT audit.ensure_partitions($1, $2) AS created', [this.config.SHIPYARD_AUDIT_PARTITIONS_AHEAD, at.toISOString()]);
    const created = rows[0]?.created ?? 0;
    if (created > 0) {
      this.metrics.partitionsCreated.inc(created);
      this.logger.log(`created ${created} monthly partition(s) of audit.events`);
    }
    return created;
  }
}
