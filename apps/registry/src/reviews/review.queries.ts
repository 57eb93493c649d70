import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { ReviewPageResponse } from '@shipyard/contracts';
import { VersionLookup } from '../versions/version.queries';
import { toReviewResponse } from './review.mapper';
import { ReviewsRepository } from './reviews.repository';

@Injectable()
export class ReviewQueries {
  constructor(
    private readonly ds: DataSource,
    private readonly lookup: VersionLookup,
    private readonly reviews: ReviewsRepository,
  ) {}

  /** Every review of the version with its decisions, newest first (a version has a handful at most). */
  async list(modelRef: string, rawVersion: string): Promise<ReviewPageResponse> {
    const em = this.ds.manager;
    const view = await this.lookup.view(em, modelRef, rawVersion);
    const rows = await this.reviews.listForVersion(em, view.version.id);
    const decisions = await this.reviews.decisionsOf(em, rows.map((r) => r.id));
    return { items: rows.map((r) => toReviewResponse(view, r, decisions.get(r.id) ?? [])), nextCursor: null };
  }
}
