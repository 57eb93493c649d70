import { CARD_TEXT_FIELDS, CardContent, CardStatus, ErrorKind, Permission, PutCardRequest } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';
import { SelfReviewForbidden } from '../reviews/review.errors';

export enum CardErrorCode {
  NotFound = 'CARD_NOT_FOUND',
  NotEditable = 'CARD_NOT_EDITABLE',
  InvalidTransition = 'INVALID_CARD_TRANSITION',
  Incomplete = 'CARD_INCOMPLETE',
  ApprovalRequired = 'APPROVAL_PERMISSION_REQUIRED',
}

/** Draft → PendingReview → Approved → Archived, and PendingReview → Draft when sent back. */
export const CARD_TRANSITIONS: Readonly<Record<CardStatus, readonly CardStatus[]>> = {
  Draft: ['PendingReview'],
  PendingReview: ['Approved', 'Draft'],
  Approved: ['Archived'],
  Archived: [],
};

export const EMPTY_CARD: CardContent = Object.freeze({ intendedUse: null, outOfScopeUse: null, trainingData: null, evaluationData: null, evaluationResults: null, limitations: null, ethicalConsiderations: null, owners: [] });

/** Fields the request sets replace the stored ones; fields it leaves out stay. */
export function mergeContent(current: CardContent, body: PutCardRequest): CardContent {
  const next: CardContent = { ...current, owners: body.owners === undefined ? current.owners : [...new Set(body.owners)] };
  for (const f of CARD_TEXT_FIELDS) {
    const value = body[f];
    if (value !== undefined) next[f] = value;
  }
  return next;
}

export function changedFields(a: CardContent, b: CardContent): Array<keyof CardContent> {
  return ([...CARD_TEXT_FIELDS, 'owners'] as const).filter((f) => JSON.stringify(a[f]) !== JSON.stringify(b[f]));
}

export interface TransitionActor {
  userId: string;
  permissions: ReadonlySet<Permission>;
}

/**
 * Checks a status change and throws the error a client should see. Approving needs models:approve and
 * a different person from the one who submitted the card; submitting needs the card's essentials.
 */
export function assertTransition(from: CardStatus, to: CardStatus, content: CardContent, submittedBy: string | null, actor: TransitionActor): void {
  if (!CARD_TRANSITIONS[from].includes(to)) {
    const allowed = CARD_TRANSITIONS[from];
    throw new DomainError(CardErrorCode.InvalidTransition, ErrorKind.Conflict, `a ${from} card cannot become ${to}${allowed.length ? `; it can become ${allowed.join(' or ')}` : '; Archived is final'}`, { from, to, allowed });
  }
  if (to === 'PendingReview') {
    const missing = [...(content.intendedUse ? [] : ['intendedUse']), ...(content.owners.length ? [] : ['owners'])];
    if (missing.length) throw new DomainError(CardErrorCode.Incomplete, ErrorKind.Conflict, `a card needs ${missing.join(' and ')} before it goes to review`, { missing });
  }
  if (to === 'Approved') {
    if (!actor.permissions.has('models:approve')) throw new DomainError(CardErrorCode.ApprovalRequired, ErrorKind.Forbidden, 'approving a model card requires models:approve');
    if (submittedBy === actor.userId) throw new SelfReviewForbidden('this card for review');
  }
}
