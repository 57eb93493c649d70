import { Injectable } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { ErrorKind, MODEL_REVIEW_DECIDED, ReviewDecisionRequest, ReviewResponse, ReviewStatus } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions, UUID_PATTERN } from '@shipyard/persistence';
import { DomainError, formatActor, RequestContext } from '@shipyard/service-kit';
import { GatesRepository } from '../gates/gates.repository';
import { VersionLookup } from '../versions/version.queries';
import { ReviewErrorCode, ReviewNotFound, SelfReviewForbidden } from './review.errors';
import { toReviewResponse, versionRefOf } from './review.mapper';
import { approvalsIn, DecisionRow, ReviewsRepository } from './reviews.repository';

/** True when PostgreSQL refused the row because of the named constraint (any SQLSTATE in `codes`). */
export function violates(e: unknown, constraint: string, codes: string[]): boolean {
  if (!(e instanceof QueryFailedError)) return false;
  const driverError = e.driverError as { code?: string; constraint?: string };
  return codes.includes(driverError.code ?? '') && driverError.constraint === constraint;
}

@Injectable()
export class DecideReviewUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly lookup: VersionLookup,
    private readonly reviews: ReviewsRepository,
    private readonly gates: GatesRepository,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Records one approver's decision. A rejection closes the review; approvals close it as APPROVED once
   * they reach the model's required count (at least one). The submitter never decides (403).
   */
  async execute(modelRef: string, rawVersion: string, reviewId: string, cmd: ReviewDecisionRequest, ctx: RequestContext): Promise<ReviewResponse> {
    if (!UUID_PATTERN.test(reviewId)) throw new DomainError(ReviewErrorCode.NotFound, ErrorKind.NotFound, `no review ${reviewId.slice(0, 64)}: review ids are UUIDs`);
    try {
      return await this.tx.run(async (em) => {
        const view = await this.lookup.view(em, modelRef, rawVersion);
        const review = await this.reviews.find(em, reviewId, true);
        if (!review || review.versionId !== view.version.id) throw new ReviewNotFound(view.modelName, view.version.version, reviewId);
        if (review.submittedByUser === ctx.userId) throw new SelfReviewForbidden('this review');
        if (review.status !== 'PENDING') throw new DomainError(ReviewErrorCode.Closed, ErrorKind.Conflict, `review ${review.id} is already ${review.status}`, { status: review.status });
        const decision: DecisionRow = { reviewId, approverUser: ctx.userId, approver: formatActor(ctx.actor), submittedByUser: review.submittedByUser, decision: cmd.decision, comment: cmd.comment, decidedAt: new Date() };
        await this.reviews.insertDecision(em, decision);
        const decisions = (await this.reviews.decisionsOf(em, [reviewId])).get(reviewId) ?? [];
        const approvals = approvalsIn(decisions);
        const required = Math.max(1, (await this.gates.get(em, view.version.modelId)).requiredApprovals);
        const status: ReviewStatus = cmd.decision === 'reject' ? 'REJECTED' : approvals >= required ? 'APPROVED' : 'PENDING';
        const closedAt = status === 'PENDING' ? null : decision.decidedAt;
        if (status !== review.status) await this.reviews.close(em, reviewId, status, closedAt);
        await this.outbox.add(em, {
          subject: MODEL_REVIEW_DECIDED,
          actor: ctx.actor,
          correlationId: ctx.requestId,
          aggregate: { type: 'model_review', id: reviewId },
          payload: { ...versionRefOf(view), reviewId, decision: cmd.decision, status, approvals },
          before: { status: review.status, approvals: approvalsIn(decisions.filter((d) => d.approverUser !== ctx.userId)) },
          after: { status, approvals, decision: cmd.decision, comment: cmd.comment },
        });
        return toReviewResponse(view, { ...review, status, closedAt }, decisions);
      });
    } catch (e) {
      // The CHECK and the primary key back up the checks above when two requests race.
      if (violates(e, 'review_decisions_not_self', ['23514'])) throw new SelfReviewForbidden('this review');
      if (violates(e, 'review_decisions_pkey', ['23505'])) throw new DomainError(ReviewErrorCode.AlreadyDecided, ErrorKind.Conflict, 'you have already decided this review');
      throw e;
    }
  }
}
