import { ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';

export enum ReviewErrorCode {
  NotFound = 'REVIEW_NOT_FOUND',
  AlreadyOpen = 'REVIEW_ALREADY_OPEN',
  Closed = 'REVIEW_CLOSED',
  AlreadyDecided = 'REVIEW_ALREADY_DECIDED',
  SelfReview = 'SELF_REVIEW_FORBIDDEN',
}

export class ReviewNotFound extends DomainError<ReviewErrorCode> {
  constructor(model: string, version: number, reviewId: string) {
    super(ReviewErrorCode.NotFound, ErrorKind.NotFound, `version ${version} of "${model}" has no review ${reviewId.slice(0, 64)}`);
  }
}

/** One open review per version (a partial unique index decides); the message names the model, however it was addressed. */
export class ReviewAlreadyOpen extends DomainError<ReviewErrorCode> {
  constructor(model: string, version: number) {
    super(ReviewErrorCode.AlreadyOpen, ErrorKind.Conflict, `version ${version} of "${model}" already has an open review; decide it first`);
  }
}

/** The four-eyes rule: whoever submitted something for review never approves it (reviews and cards alike). */
export class SelfReviewForbidden extends DomainError<ReviewErrorCode> {
  constructor(what: string) {
    super(ReviewErrorCode.SelfReview, ErrorKind.Forbidden, `you submitted ${what}; another approver must decide it`);
  }
}
