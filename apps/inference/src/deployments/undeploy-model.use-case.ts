import { Injectable } from '@nestjs/common';
import { DEPLOYMENT_DELETED, ErrorKind } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { DomainError, RequestContext } from '@shipyard/service-kit';
import { InferenceErrorCode, ModelManager } from '../models/model-manager';
import { DeploymentsRepository } from './deployments.repository';

/** Stops serving a model (requests in flight finish) and forgets its deployment, if it had one. */
@Injectable()
export class UndeployModelUseCase {
  constructor(
    private readonly models: ModelManager,
    private readonly tx: Transactions,
    private readonly deployments: DeploymentsRepository,
    private readonly outbox: Outbox,
  ) {}

  async execute(name: string, ctx: RequestContext): Promise<void> {
    const deleted = await this.tx.run(async (em) => {
      const row = await this.deployments.delete(em, name);
      if (row) await this.outbox.add(em, { subject: DEPLOYMENT_DELETED, actor: ctx.actor, correlationId: ctx.requestId, aggregate: { type: 'deployment', id: name }, payload: { id: row.id, model: name } });
      return row;
    });
    const unloaded = await this.models.unload(name);
    if (!deleted && !unloaded) throw new DomainError(InferenceErrorCode.ModelNotServed, ErrorKind.NotFound, `model "${name}" is not served here`);
  }
}
