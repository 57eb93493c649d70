import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { ReviewDecision, ReviewStatus } from '@shipyard/contracts';

export interface ReviewRow {
  id: string;
  versionId: string;
  status: ReviewStatus;
  comment: string | null;
  submittedBy: string;
  submittedByUser: string;
  createdAt: Date;
  closedAt: Date | null;
}

export interface DecisionRow {
  reviewId: string;
  approverUser: string;
  approver: string;
  submittedByUser: string;
  decision: ReviewDecision;
  comment: string;
  decidedAt: Date;
}

interface RawReview {
  id: string;
  version_id: string;
  status: ReviewStatus;
  comment: string | null;
  submitted_by: string;
  submitted_by_user: string;
  created_at: Date;
  closed_at: Date | null;
}

interface RawDecision {
  review_id: string;
  approver_user: string;
  approver: string;
  submitted_by_user: string;
  decision: ReviewDecision;
  comment: string;
  decided_at: Date;
}

const REVIEW_COLUMNS = 'id, version_id, status, comment, submitted_by, submitted_by_user, created_at, closed_at';
const toReview = (r: RawReview): ReviewRow => ({ id: r.id, versionId: r.version_id, status: r.status, comment: r.comment, submittedBy: r.submitted_by, submittedByUser: r.submitted_by_user, createdAt: r.created_at, closedAt: r.closed_at });
const toDecision = (r: RawDecision): DecisionRow => ({ reviewId: r.review_id, approverUser: r.approver_user, approver: r.approver, submittedByUser: r.submitted_by_user, decision: r.decision, comment: r.comment, decidedAt: r.decided_at });

/** registry.reviews and their decisions (one per approver; never by the submitter, by CHECK). */
@Injectable()
export class ReviewsRepository {
  async insert(em: EntityManager, r: ReviewRow): Promise<void> {
    await em.query(`INSERT INTO registry.reviews (${REVIEW_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, [r.id, r.versionId, r.status, r.comment, r.submittedBy, r.submittedByUser, r.createdAt, r.closedAt]);
  }

  async find(em: EntityManager, id: string, lock = false): Promise<ReviewRow | null> {
    const rows = await em.query<RawReview[]>(`SELECT ${REVIEW_COLUMNS} FROM registry.reviews WHERE id = $1${lock ? ' FOR UPDATE' : ''}`, [id]);
    return rows[0] ? toReview(rows[0]) : null;
  }

  /** Newest first. */
  async listForVersion(em: EntityManager, versionId: string): Promise<ReviewRow[]> {
    const rows = await em.query<RawReview[]>(`SELECT ${REVIEW_COLUMNS} FROM registry.reviews WHERE version_id = $1 ORDER BY created_at DESC, id DESC`, [versionId]);
    return rows.map(toReview);
  }

  async latestForVersion(em: EntityManager, versionId: string): Promise<ReviewRow | null> {
    const rows = await em.query<RawReview[]>(`SELECT ${REVIEW_COLUMNS} FROM registry.reviews WHERE version_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1`, [versionId]);
    return rows[0] ? toReview(rows[0]) : null;
  }

  async close(em: EntityManager, id: string, status: ReviewStatus, closedAt: Date | null): Promise<void> {
    await em.query(`UPDATE registry.reviews SET status = $2, closed_at = $3 WHERE id = $1`, [id, status, closedAt]);
  }

  async insertDecision(em: EntityManager, d: DecisionRow): Promise<void> {
    await em.query(`INSERT INTO registry.review_decisions (review_id, approver_user, approver, submitted_by_user, decision, comment, decided_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`, [
      d.reviewId, d.approverUser, d.approver, d.submittedByUser, d.decision, d.comment, d.decidedAt,
    ]);
  }

  /** Decisions of the given reviews, oldest first, grouped by review. */
  async decisionsOf(em: EntityManager, reviewIds: string[]): Promise<Map<string, DecisionRow[]>> {
    const out = new Map<string, DecisionRow[]>();
    if (reviewIds.length === 0) return out;
    const rows = await em.query<RawDecision[]>(`SELECT * FROM registry.review_decisions WHERE review_id = ANY($1::uuid[]) ORDER BY decided_at, approver_user`, [reviewIds]);
    for (const r of rows.map(toDecision)) out.set(r.reviewId, [...(out.get(r.reviewId) ?? []), r]);
    return out;
  }
}

export const approvalsIn = (decisions: readonly DecisionRow[]) => decisions.filter((d) => d.decision === 'approve').length;
