import { Counter, Gauge } from 'prom-client';
import { singleton } from '@shipyard/observability';

export const chainMetrics = () => ({
  lastVerifiedSeq: singleton('shipyard_audit_last_verified_seq', () => new Gauge({ name: 'shipyard_audit_last_verified_seq', help: 'Highest seq up to which the hash chain has been verified from seq 1' })),
  verifyFailures: singleton('shipyard_audit_verify_failures_total', () => new Counter({ name: 'shipyard_audit_verify_failures_total', help: 'Verifications that found a broken or truncated chain' })),
  headSeq: singleton('shipyard_audit_chain_head_seq', () => new Gauge({ name: 'shipyard_audit_chain_head_seq', help: 'seq of the newest audit row this process appended' })),
  anchors: singleton('shipyard_audit_anchors_total', () => new Counter({ name: 'shipyard_audit_anchors_total', help: 'Anchor rows written', labelNames: ['reason'] })),
  partitionsCreated: singleton('shipyard_audit_partitions_created_total', () => new Counter({ name: 'shipyard_audit_partitions_created_total', help: 'Monthly partitions of audit.events created by upkeep' })),
});
