import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Lifecycle } from '@shipyard/service-kit';
import type { AuditConfig } from '../config';
import { AUDIT_CONFIG } from '../tokens';
import { ChainHead } from './chain-store';
import { runPeriodically } from './periodic';
import { VerifyChain } from './verify-chain.use-case';

/** Every this many runs the check starts again from seq 1, so a changed old row is caught within hours. */
const FULL_PASS_EVERY = 12;

/**
 * Verifies the chain in the background every SHIPYARD_AUDIT_VERIFY_INTERVAL_S: a full pass first, then
 * incrementally from the last verified row (the anchor check, which catches a cut tail, runs every
 * time), with a full pass again every FULL_PASS_EVERY runs. A break is logged as an error and counted;
 * shipyard_audit_last_verified_seq shows how far the chain is known to be intact.
 */
@Injectable()
export class ChainVerifierJob implements OnApplicationBootstrap {
  private readonly logger = new Logger('audit-verify');
  private verified: ChainHead | null = null;
  private runs = 0;

  constructor(
    @Inject(AUDIT_CONFIG) private readonly config: AuditConfig,
    private readonly verify: VerifyChain,
    private readonly lifecycle: Lifecycle,
  ) {}

  onApplicationBootstrap(): void {
    const ms = this.config.SHIPYARD_AUDIT_VERIFY_INTERVAL_S * 1000;
    if (ms === 0) return;
    const stop = runPeriodically('chain verification', ms, ms, () => this.runOnce(), this.logger);
    this.lifecycle.onShutdown('workers', 'chain verifier', stop);
  }

  async runOnce(): Promise<void> {
    const incremental = this.verified !== null && this.runs % FULL_PASS_EVERY !== 0;
    this.runs++;
    const result = await this.verify.execute(incremental && this.verified ? { after: this.verified } : {});
    if (result.ok) {
      this.verified = result.verifiedThrough;
      return;
    }
    this.verified = null;
    this.logger.error(`audit chain broken at seq ${result.firstBrokenSeq ?? '?'}: ${result.reason ?? ''} (checked ${result.checked} rows from seq ${result.fromSeq})`);
  }
}
