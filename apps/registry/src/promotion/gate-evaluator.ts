import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { GateResult } from '@shipyard/contracts';
import { CardsRepository } from '../cards/cards.repository';
import { ModelGates } from '../gates/gates.repository';
import { evaluateMetricGates } from '../gates/metric-gate';
import { RunLookup } from '../gates/run-summaries';
import { approvalsIn, ReviewsRepository } from '../reviews/reviews.repository';
import { ModelVersionEntity } from '../versions/model-version.entity';

/** Evaluates a model's gates for one version: metric thresholds, the card, approvals. Only configured gates are listed. */
@Injectable()
export class GateEvaluator {
  constructor(
    private readonly cards: CardsRepository,
    private readonly reviews: ReviewsRepository,
  ) {}

  async evaluate(em: EntityManager, gates: ModelGates, version: ModelVersionEntity, run: RunLookup): Promise<GateResult[]> {
    const results = evaluateMetricGates(gates.metrics, run);
    if (gates.requireCard) {
      const card = await this.cards.find(em, version.id);
      const passed = card?.status === 'Approved';
      results.push({ gate: 'card', passed, actual: card?.status ?? null, expected: 'Approved', reason: passed ? null : card ? `the model card is ${card.status}` : 'the version has no model card' });
    }
    if (gates.requiredApprovals > 0) results.push(await this.approvals(em, gates.requiredApprovals, version));
    return results;
  }

  /** Approvals count on the latest review only: a newer submission asks for a fresh decision. */
  private async approvals(em: EntityManager, required: number, version: ModelVersionEntity): Promise<GateResult> {
    const base = { gate: 'approvals', expected: required };
    const review = await this.reviews.latestForVersion(em, version.id);
    if (!review) return { ...base, passed: false, actual: 0, reason: 'the version has not been submitted for review' };
    if (review.status === 'REJECTED') return { ...base, passed: false, actual: 0, reason: `the latest review (${review.id}) was rejected` };
    const count = approvalsIn((await this.reviews.decisionsOf(em, [review.id])).get(review.id) ?? []);
    const passed = count >= required;
    return { ...base, passed, actual: count, reason: passed ? null : `${count} of ${required} required approvals` };
  }
}
