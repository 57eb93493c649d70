import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CompareResponse, CompareVersionsQuery } from '@shipyard/contracts';
import { AliasNotFound, parseAlias } from '../aliases/alias.errors';
import { CardsRepository } from '../cards/cards.repository';
import { RunSummaries } from '../gates/run-summaries';
import { ModelEntity } from '../models/model.entity';
import { VersionView } from '../versions/model-version.entity';
import { VersionLookup } from '../versions/version.queries';
import { VersionsRepository } from '../versions/versions.repository';
import { buildComparison } from './compare.diff';

@Injectable()
export class CompareQueries {
  constructor(
    private readonly ds: DataSource,
    private readonly lookup: VersionLookup,
    private readonly versions: VersionsRepository,
    private readonly cards: CardsRepository,
    private readonly runs: RunSummaries,
  ) {}

  async compare(modelRef: string, q: CompareVersionsQuery, requestId: string): Promise<CompareResponse> {
    const em = this.ds.manager;
    const model = await this.lookup.model(em, modelRef);
    const [a, b] = [await this.resolve(model, q.a), await this.resolve(model, q.b)];
    const cards = await this.cards.statusOf(em, [a.version.id, b.version.id]);
    const [ra, rb] = await this.runs.lookup([a.version.sourceRunId, b.version.sourceRunId], requestId);
    if (!ra || !rb) throw new Error('run lookup answered fewer entries than asked');
    return buildComparison({ view: a, card: cards.get(a.version.id) ?? null, run: ra }, { view: b, card: cards.get(b.version.id) ?? null, run: rb });
  }

  /** `a`/`b` name a version by number or by alias. */
  private async resolve(model: ModelEntity, ref: string): Promise<VersionView> {
    const em = this.ds.manager;
    if (/^[0-9]+$/.test(ref)) return this.lookup.view(em, model.id, ref);
    const alias = parseAlias(ref);
    const number = await this.versions.versionOfAlias(em, model.id, alias);
    if (number === null) throw new AliasNotFound(model.name, alias);
    return this.lookup.view(em, model.id, number);
  }
}
