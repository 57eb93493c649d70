import { Injectable } from '@nestjs/common';
import { MODEL_REVIEW_SUBMITTED, ReviewResponse, SubmitReviewRequest } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions, uuidv7 } from '@shipyard/persistence';
import { formatActor, RequestContext } from '@shipyard/service-kit';
import { isUniqueViolation } from '../models/models.repository';
import { VersionLookup } from '../versions/version.queries';
import { ReviewAlreadyOpen } from './review.errors';
import { toReviewResponse, versionRefOf } from './review.mapper';
import { ReviewRow, ReviewsRepository } from './reviews.repository';

@Injectable()
export class SubmitReviewUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly lookup: VersionLookup,
    private readonly reviews: ReviewsRepository,
    private readonly outbox: Outbox,
  ) {}

  /** Opens a review of the version; at most one is open at a time (a partial unique index decides). */
  async execute(modelRef: string, rawVersion: string, cmd: SubmitReviewRequest, ctx: RequestContext): Promise<ReviewResponse> {
    return this.tx.run(async (em) => {
      const view = await this.lookup.view(em, modelRef, rawVersion);
      const now = new Date();
      const review: ReviewRow = { id: uuidv7(now.getTime()), versionId: view.version.id, status: 'PENDING', comment: cmd.comment ?? null, submittedBy: formatActor(ctx.actor), submittedByUser: ctx.userId, createdAt: now, closedAt: null };
      await this.reviews.insert(em, review).catch((e: unknown) => {
        // The unique index answers at the insert itself; the message names the model as looked up, not as addressed.
        throw isUniqueViolation(e, 'reviews_one_open_key') ? new ReviewAlreadyOpen(view.modelName, view.version.version) : e;
      });
      const response = toReviewResponse(view, review, []);
      await this.outbox.add(em, {
        subject: MODEL_REVIEW_SUBMITTED,
        actor: ctx.actor,
        correlationId: ctx.requestId,
        aggregate: { type: 'model_review', id: review.id },
        payload: { ...versionRefOf(view), reviewId: review.id },
        after: { status: review.status, comment: review.comment, submittedBy: review.submittedBy },
      });
      return response;
    });
  }
}
