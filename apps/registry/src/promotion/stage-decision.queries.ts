import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { DEFAULT_PAGE_SIZE, PageQuery, StageDecisionPageResponse } from '@shipyard/contracts';
import { decodeIdCursor, encodeCursor } from '@shipyard/persistence';
import { InvalidModelCursor } from '../models/model.errors';
import { VersionLookup } from '../versions/version.queries';
import { toStageDecisionResponse } from './stage-decision.mapper';
import { StageDecisionsRepository } from './stage-decisions.repository';

@Injectable()
export class StageDecisionQueries {
  constructor(
    private readonly ds: DataSource,
    private readonly lookup: VersionLookup,
    private readonly decisions: StageDecisionsRepository,
  ) {}

  /** Every stage move and refused promotion of the version with its gate results, newest first. */
  async list(modelRef: string, rawVersion: string, q: PageQuery): Promise<StageDecisionPageResponse> {
    const limit = q.limit ?? DEFAULT_PAGE_SIZE;
    const beforeId = decodeIdCursor(q.cursor, () => new InvalidModelCursor());
    const { version } = await this.lookup.version(this.ds.manager, modelRef, rawVersion);
    const rows = await this.decisions.listForVersion(this.ds.manager, version.id, limit + 1, beforeId);
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map((d) => toStageDecisionResponse(d, version.version)), nextCursor: rows.length > limit && last ? encodeCursor([last.id]) : null };
  }
}
