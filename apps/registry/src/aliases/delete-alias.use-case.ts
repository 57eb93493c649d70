import { Injectable } from '@nestjs/common';
import { MODEL_ALIAS_DELETED } from '@shipyard/contracts';
import { EventDraft, Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { RequestContext } from '@shipyard/service-kit';
import { VersionLookup } from '../versions/version.queries';
import { AliasNotFound, parseAlias } from './alias.errors';
import { AliasesRepository } from './aliases.repository';
import { aliasAggregateId } from './set-alias.use-case';

/** The event of an alias removed from a model (by DELETE, or with the version it pointed at). */
export function aliasDeletedEvent(model: { id: string; name: string }, removed: { alias: string; version: number }, ctx: RequestContext): EventDraft<object> {
  return {
    subject: MODEL_ALIAS_DELETED,
    actor: ctx.actor,
    correlationId: ctx.requestId,
    aggregate: { type: 'model_alias', id: aliasAggregateId(model.id, removed.alias) },
    payload: { modelId: model.id, modelName: model.name, alias: removed.alias, version: removed.version },
    before: { version: removed.version },
  };
}

@Injectable()
export class DeleteAliasUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly lookup: VersionLookup,
    private readonly aliases: AliasesRepository,
    private readonly outbox: Outbox,
  ) {}

  async execute(modelRef: string, rawAlias: string, ctx: RequestContext): Promise<void> {
    const alias = parseAlias(rawAlias);
    await this.tx.run(async (em) => {
      const model = await this.lookup.model(em, modelRef, true);
      const removed = await this.aliases.delete(em, model.id, alias);
      if (!removed) throw new AliasNotFound(model.name, alias);
      await this.outbox.add(em, aliasDeletedEvent(model, removed, ctx));
    });
  }
}
