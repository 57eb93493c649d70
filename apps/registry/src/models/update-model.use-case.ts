import { Injectable } from '@nestjs/common';
import { MODEL_UPDATED, ModelResponse, UpdateModelRequest } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { RequestContext } from '@shipyard/service-kit';
import { dedupe } from './create-model.use-case';
import { ModelNameTaken, ModelNotFound } from './model.errors';
import { toModelResponse } from './model.mapper';
import { isUniqueViolation, ModelsRepository } from './models.repository';

type Mutable = 'name' | 'description' | 'tags';

@Injectable()
export class UpdateModelUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly models: ModelsRepository,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Applies the given fields; the event carries only what changed, before and after. A no-op emits nothing.
   * `editTags` derives the new tags from the current ones under the row lock (a single tag set or removed).
   */
  async execute(ref: string, cmd: UpdateModelRequest, ctx: RequestContext, editTags?: (current: readonly string[]) => string[]): Promise<ModelResponse> {
    try {
      return await this.tx.run(async (em) => {
        const model = await this.models.findByRef(em, ref, true);
        if (!model) throw new ModelNotFound(ref);
        const next = {
          name: cmd.name ?? model.name,
          description: cmd.description === undefined ? model.description : cmd.description,
          tags: editTags ? dedupe(editTags(model.tags)) : cmd.tags === undefined ? model.tags : dedupe(cmd.tags),
        };
        const changed = (Object.keys(next) as Mutable[]).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(model[k]));
        if (changed.length === 0) return toModelResponse(model);
        if (changed.includes('name') && (await this.models.nameTaken(em, next.name, model.id))) throw new ModelNameTaken(next.name);

        const before = Object.fromEntries(changed.map((k) => [k, model[k]]));
        Object.assign(model, next, { updatedAt: new Date() });
        await this.models.save(em, model);
        const after = Object.fromEntries(changed.map((k) => [k, model[k]]));
        await this.outbox.add(em, {
          subject: MODEL_UPDATED,
          actor: ctx.actor,
          correlationId: ctx.requestId,
          aggregate: { type: 'model', id: model.id },
          payload: { id: model.id, name: model.name, changed },
          before,
          after,
        });
        return toModelResponse(model);
      });
    } catch (e) {
      if (isUniqueViolation(e, 'models_live_name_key')) throw new ModelNameTaken(cmd.name ?? ref);
      throw e;
    }
  }
}
