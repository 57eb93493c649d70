import { Injectable } from '@nestjs/common';
import { CreateModelRequest, MODEL_CREATED, ModelResponse } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions, uuidv7 } from '@shipyard/persistence';
import { formatActor, RequestContext } from '@shipyard/service-kit';
import { ModelNameTaken } from './model.errors';
import { ModelEntity } from './model.entity';
import { toCreatedPayload, toModelResponse } from './model.mapper';
import { isUniqueViolation, ModelsRepository } from './models.repository';

@Injectable()
export class CreateModelUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly models: ModelsRepository,
    private readonly outbox: Outbox,
  ) {}

  /** The model row and its `model.created` event commit together, or neither does. */
  async execute(cmd: CreateModelRequest, ctx: RequestContext): Promise<ModelResponse> {
    try {
      return await this.tx.run(async (em) => {
        const now = new Date();
        const model = Object.assign(new ModelEntity(), {
          id: uuidv7(now.getTime()),
          name: cmd.name,
          description: cmd.description ?? null,
          tags: dedupe(cmd.tags ?? []),
          ownerId: formatActor(ctx.actor),
          createdAt: now,
          updatedAt: now,
          deletedAt: null,
        });
        await this.models.insert(em, model);
        const response = toModelResponse(model);
        await this.outbox.add(em, {
          subject: MODEL_CREATED,
          actor: ctx.actor,
          correlationId: ctx.requestId,
          aggregate: { type: 'model', id: model.id },
          payload: toCreatedPayload(model),
          after: response,
        });
        return response;
      });
    } catch (e) {
      // The unique index on lower(name) of live models decides; no read-before-write race.
      if (isUniqueViolation(e, 'models_live_name_key')) throw new ModelNameTaken(cmd.name);
      throw e;
    }
  }
}

export function dedupe(tags: string[]): string[] {
  return [...new Set(tags)];
}
