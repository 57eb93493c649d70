import { Injectable } from '@nestjs/common';
import { DEPLOYMENT_DELETED, ErrorKind } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { DomainError, RequestContext } from '@shipyard/service-kit';
import { InferenceErrorCode, ModelManager } from '../models/model-manager';
import { formatModelRef } from '../models/model-ref';
import { DeploymentsRepository } from './deployments.repository';

/**
 * Removes a model's recorded deployment, on every replica (the event): the model stops being served
 * (requests in flight finish), or, when SHIPYARD_INFERENCE_MODELS names it, goes back to the configured
 * reference. A model served only from the configuration cannot be undeployed here: every replica serves
 * it from its own configuration, so an unload would reach one replica and last until its restart.
 */
@Injectable()
export class UndeployModelUseCase {
  constructor(
    private readonly models: ModelManager,
    private readonly tx: Transactions,
    private readonly deployments: DeploymentsRepository,
    private readonly outbox: Outbox,
  ) {}

  async execute(given: string, ctx: RequestContext): Promise<void> {
    const configured = this.models.configuredRef(this.models.servedName(given));
    const deleted = await this.tx.run(async (em) => {
      const row = await this.deployments.delete(em, given);
      if (!row && configured) {
        throw new DomainError(InferenceErrorCode.ModelConfigured, ErrorKind.Conflict, `model "${given}" is served from SHIPYARD_INFERENCE_MODELS (${formatModelRef(configured)}) on every replica: remove it there; an undeploy here would reach one replica and last until it restarts`);
      }
      if (row) await this.outbox.add(em, { subject: DEPLOYMENT_DELETED, actor: ctx.actor, correlationId: ctx.requestId, aggregate: { type: 'deployment', id: row.model }, payload: { id: row.id, model: row.model } });
      return row;
    });
    const name = deleted?.model ?? this.models.servedName(given);
    const unloaded = await this.models.removeDeployment(name);
    if (!deleted && !unloaded) throw new DomainError(InferenceErrorCode.ModelNotServed, ErrorKind.NotFound, `model "${name}" is not served here`);
  }
}
