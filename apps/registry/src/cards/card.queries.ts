import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { CardResponse, ErrorKind } from '@shipyard/contracts';
import { DomainError } from '@shipyard/service-kit';
import { VersionLookup } from '../versions/version.queries';
import { CardErrorCode } from './card-transitions';
import { CardsRepository } from './cards.repository';
import { toCardResponse } from './put-card.use-case';

@Injectable()
export class CardQueries {
  constructor(
    private readonly ds: DataSource,
    private readonly lookup: VersionLookup,
    private readonly cards: CardsRepository,
  ) {}

  async get(modelRef: string, rawVersion: string): Promise<CardResponse> {
    const view = await this.lookup.view(this.ds.manager, modelRef, rawVersion);
    const card = await this.cards.find(this.ds.manager, view.version.id);
    if (!card) throw new DomainError(CardErrorCode.NotFound, ErrorKind.NotFound, `version ${view.version.version} of "${view.modelName}" has no model card yet (PUT one)`);
    return toCardResponse(view, card);
  }
}
