import { Injectable } from '@nestjs/common';
import { AliasResponse, MODEL_ALIAS_SET, SetAliasRequest } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { formatActor, RequestContext } from '@shipyard/service-kit';
import { ModelEntity } from '../models/model.entity';
import { VersionLookup } from '../versions/version.queries';
import { parseAlias } from './alias.errors';
import { AliasesRepository, AliasRow } from './aliases.repository';

export function toAliasResponse(model: ModelEntity, row: AliasRow, previousVersion: number | null): AliasResponse {
  return { modelId: model.id, modelName: model.name, alias: row.alias, version: row.version, previousVersion, updatedBy: row.updatedBy, updatedAt: row.updatedAt.toISOString() };
}

/** Aggregate id of an alias: the model plus the alias as it is matched (lower case). */
export const aliasAggregateId = (modelId: string, alias: string) => `${modelId}/${alias.toLowerCase()}`;

@Injectable()
export class SetAliasUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly lookup: VersionLookup,
    private readonly aliases: AliasesRepository,
    private readonly outbox: Outbox,
  ) {}

  /** Points the alias at a version, creating or moving it: one event either way, none when nothing changes. */
  async execute(modelRef: string, rawAlias: string, cmd: SetAliasRequest, ctx: RequestContext): Promise<AliasResponse> {
    const alias = parseAlias(rawAlias);
    return this.tx.run(async (em) => {
      // The model row lock serialises alias changes of one model, so "before" is what the move replaced.
      const model = await this.lookup.model(em, modelRef, true);
      await this.lookup.version(em, model.id, cmd.version);
      const existing = await this.aliases.find(em, model.id, alias);
      if (existing?.version === cmd.version) return toAliasResponse(model, existing, existing.version);
      const row: AliasRow = { alias: existing?.alias ?? alias, version: cmd.version, updatedBy: formatActor(ctx.actor), updatedAt: new Date() };
      if (existing) await this.aliases.move(em, model.id, row);
      else await this.aliases.insert(em, model.id, row);
      const previousVersion = existing?.version ?? null;
      await this.outbox.add(em, {
        subject: MODEL_ALIAS_SET,
        actor: ctx.actor,
        correlationId: ctx.requestId,
        aggregate: { type: 'model_alias', id: aliasAggregateId(model.id, row.alias) },
        payload: { modelId: model.id, modelName: model.name, alias: row.alias, version: row.version, previousVersion },
        ...(existing ? { before: { version: existing.version } } : {}),
        after: { version: row.version },
      });
      return toAliasResponse(model, row, previousVersion);
    });
  }
}
