import { Injectable } from '@nestjs/common';
import { ErrorKind, MODEL_RESTORED, ModelResponse } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions, UUID_PATTERN } from '@shipyard/persistence';
import { DomainError, RequestContext } from '@shipyard/service-kit';
import { ModelEntity } from './model.entity';
import { ModelErrorCode, ModelNameTaken, ModelNotFound } from './model.errors';
import { toModelResponse } from './model.mapper';
import { isUniqueViolation } from './models.repository';

@Injectable()
export class RestoreModelUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly outbox: Outbox,
  ) {}

  /** Brings a soft-deleted model back (by id: its name may belong to another model by now). */
  async execute(id: string, ctx: RequestContext): Promise<ModelResponse> {
    if (!UUID_PATTERN.test(id)) throw new DomainError(ModelErrorCode.NotFound, ErrorKind.InvalidInput, 'restore takes the model id (names of deleted models can be reused)');
    try {
      return await this.tx.run(async (em) => {
        const model = await em.createQueryBuilder(ModelEntity, 'm').where('m.id = :id', { id }).setLock('pessimistic_write').getOne();
        if (!model) throw new ModelNotFound(id);
        if (model.deletedAt === null) return toModelResponse(model);
        model.deletedAt = null;
        model.updatedAt = new Date();
        await em.save(ModelEntity, model);
        const response = toModelResponse(model);
        await this.outbox.add(em, { subject: MODEL_RESTORED, actor: ctx.actor, correlationId: ctx.requestId, aggregate: { type: 'model', id: model.id }, payload: { id: model.id, name: model.name }, before: { deleted: true }, after: { deleted: false } });
        return response;
      });
    } catch (e) {
      if (isUniqueViolation(e, 'models_live_name_key')) throw new ModelNameTaken(`${id}'s name`);
      throw e;
    }
  }
}
