import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { GateOperator } from '@shipyard/contracts';

export interface MetricGate {
  metric: string;
  op: GateOperator;
  threshold: number;
}

export interface ModelGates {
  metrics: MetricGate[];
  requireCard: boolean;
  requiredApprovals: number;
  updatedBy: string | null;
  updatedAt: Date | null;
}

export const NO_GATES: ModelGates = Object.freeze({ metrics: [], requireCard: false, requiredApprovals: 0, updatedBy: null, updatedAt: null });

interface Raw {
  metric_gates: MetricGate[];
  require_card: boolean;
  required_approvals: number;
  updated_by: string;
  updated_at: Date;
}

/** registry.model_gates: one row per model that has ever had gates set. */
@Injectable()
export class GatesRepository {
  /** The model's gates; a model without a row has none. */
  async get(em: EntityManager, modelId: string): Promise<ModelGates> {
    const rows = await em.query<Raw[]>(`SELECT metric_gates, require_card, required_approvals, updated_by, updated_at FROM registry.model_gates WHERE model_id = $1`, [modelId]);
    const r = rows[0];
    return r ? { metrics: r.metric_gates, requireCard: r.require_card, requiredApprovals: r.required_approvals, updatedBy: r.updated_by, updatedAt: r.updated_at } : NO_GATES;
  }

  async upsert(em: EntityManager, modelId: string, g: ModelGates & { updatedBy: string; updatedAt: Date }): Promise<void> {
    await em.query(
      `INSERT INTO registry.model_gates (model_id, metric_gates, require_card, required_approvals, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6)
       ON CONFLICT (model_id) DO UPDATE SET metric_gates = EXCLUDED.metric_gates, require_card = EXCLUDED.require_card, required_approvals = EXCLUDED.required_approvals,
         updated_by = EXCLUDED.updated_by, updated_at = EXCLUDED.updated_at`,
      [modelId, JSON.stringify(g.metrics), g.requireCard, g.requiredApprovals, g.updatedBy, g.updatedAt],
    );
  }
}
