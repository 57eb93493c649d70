import { Injectable } from '@nestjs/common';
import { CardResponse, ErrorKind, MODEL_CARD_CREATED, MODEL_CARD_STATUS_CHANGED, MODEL_CARD_UPDATED, PutCardRequest } from '@shipyard/contracts';
import { EventDraft, Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { DomainError, formatActor, RequestContext } from '@shipyard/service-kit';
import { versionRefOf } from '../reviews/review.mapper';
import { VersionView } from '../versions/model-version.entity';
import { VersionLookup } from '../versions/version.queries';
import { VersionsRepository } from '../versions/versions.repository';
import { assertTransition, CardErrorCode, changedFields, EMPTY_CARD, mergeContent } from './card-transitions';
import { CardRow, CardsRepository } from './cards.repository';

export function toCardResponse(view: VersionView, c: CardRow): CardResponse {
  return {
    versionId: view.version.id,
    modelId: view.version.modelId,
    modelName: view.modelName,
    version: view.version.version,
    status: c.status,
    ...c.content,
    submittedByUserId: c.submittedByUser,
    updatedBy: c.updatedBy,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

@Injectable()
export class PutCardUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly lookup: VersionLookup,
    private readonly versions: VersionsRepository,
    private readonly cards: CardsRepository,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Creates the card (Draft) or edits it, then applies `status` if it asks for a transition. Content
   * changes only in Draft. Each change is its own event: created, updated (fields), status_changed.
   */
  async execute(modelRef: string, rawVersion: string, body: PutCardRequest, ctx: RequestContext): Promise<{ created: boolean; card: CardResponse }> {
    return this.tx.run(async (em) => {
      // The version row lock serialises writers of one card, including the first two racing to create it.
      const { model, version } = await this.lookup.version(em, modelRef, rawVersion, true);
      const view = await this.versions.view(em, model, version);
      const stored = await this.cards.find(em, version.id, true);
      const current: CardRow = stored ?? { versionId: view.version.id, status: 'Draft', content: EMPTY_CARD, submittedByUser: null, updatedBy: formatActor(ctx.actor), createdAt: new Date(), updatedAt: new Date() };
      const content = mergeContent(current.content, body);
      const changed = changedFields(current.content, content);
      if (changed.length > 0 && current.status !== 'Draft') {
        throw new DomainError(CardErrorCode.NotEditable, ErrorKind.Conflict, `the card is ${current.status}; its content changes only in Draft (send it back to Draft first)`, { status: current.status, changed });
      }
      const to = body.status ?? current.status;
      const moves = to !== current.status;
      if (moves) assertTransition(current.status, to, content, current.submittedByUser, ctx);
      if (stored && !moves && changed.length === 0) return { created: false, card: toCardResponse(view, stored) };

      const now = new Date();
      const submittedByUser = to === 'PendingReview' && moves ? ctx.userId : to === 'Draft' ? null : current.submittedByUser;
      const next: CardRow = { ...current, status: to, content, submittedByUser, updatedBy: formatActor(ctx.actor), updatedAt: now, ...(stored ? {} : { createdAt: now }) };
      await this.cards.save(em, next);

      const ref = versionRefOf(view);
      const event = (subject: string, payload: object, before: object | undefined, after: object): EventDraft<object> => ({
        subject, actor: ctx.actor, correlationId: ctx.requestId, aggregate: { type: 'model_card', id: view.version.id }, payload: { ...ref, ...payload }, ...(before ? { before } : {}), after,
      });
      const pick = (c: CardRow) => Object.fromEntries(changed.map((f) => [f, c.content[f]]));
      if (!stored) await this.outbox.add(em, event(MODEL_CARD_CREATED, { status: 'Draft' }, undefined, { status: 'Draft', ...content }));
      else if (changed.length > 0) await this.outbox.add(em, event(MODEL_CARD_UPDATED, { changed }, pick(current), pick(next)));
      if (moves) await this.outbox.add(em, event(MODEL_CARD_STATUS_CHANGED, { from: current.status, to }, { status: current.status }, { status: to }));
      return { created: !stored, card: toCardResponse(view, next) };
    });
  }
}
