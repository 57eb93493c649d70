import { Injectable } from '@nestjs/common';
import { MODEL_DELETED } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { RequestContext } from '@shipyard/service-kit';
import { ModelNotFound } from './model.errors';
import { toModelResponse } from './model.mapper';
import { ModelsRepository } from './models.repository';

@Injectable()
export class DeleteModelUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly models: ModelsRepository,
    private readonly outbox: Outbox,
  ) {}

  /** Soft delete: the row stays (its history and audit trail still point at it) and its name is freed. */
  async execute(ref: string, ctx: RequestContext): Promise<void> {
    await this.tx.run(async (em) => {
      const model = await this.models.findByRef(em, ref, true);
      if (!model) throw new ModelNotFound(ref);
      const before = toModelResponse(model);
      model.deletedAt = new Date();
      await this.models.save(em, model);
      await this.outbox.add(em, {
        subject: MODEL_DELETED,
        actor: ctx.actor,
        correlationId: ctx.requestId,
        aggregate: { type: 'model', id: model.id },
        payload: { id: model.id, name: model.name },
        before,
      });
    });
  }
}
