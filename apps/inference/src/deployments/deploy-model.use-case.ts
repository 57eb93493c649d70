import { Injectable } from '@nestjs/common';
import { CommonErrorCode, DEPLOYMENT_CREATED, DeployModelRequest, ErrorKind, ServedModelResponse } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions, uuidv7 } from '@shipyard/persistence';
import { DomainError, formatActor, RequestContext } from '@shipyard/service-kit';
import { InferenceErrorCode, ModelManager } from '../models/model-manager';
import { ModelRef } from '../models/model-ref';
import { DeploymentEntity } from './deployment.entity';
import { DeploymentsRepository } from './deployments.repository';
import { toServedModelResponse } from './served-model.mapper';

/**
 * Loads and warms the version first, and records the deployment only once it serves: a reference that
 * does not resolve or a file that does not load leaves nothing behind (and the old version serving).
 */
@Injectable()
export class DeployModelUseCase {
  constructor(
    private readonly models: ModelManager,
    private readonly tx: Transactions,
    private readonly deployments: DeploymentsRepository,
    private readonly outbox: Outbox,
  ) {}

  async execute(cmd: DeployModelRequest, ctx: RequestContext): Promise<ServedModelResponse> {
    const given = [cmd.version, cmd.alias, cmd.stage].filter((v) => v !== undefined).length;
    if (given > 1) throw new DomainError(CommonErrorCode.ValidationFailed, ErrorKind.InvalidInput, 'give at most one of version, alias, stage');
    const asked: ModelRef = { model: cmd.model, ...(cmd.version !== undefined ? { version: cmd.version } : {}), ...(cmd.alias !== undefined ? { alias: cmd.alias } : {}), ...(cmd.stage !== undefined ? { stage: cmd.stage } : {}) };
    // One entry and one row per registry model, whatever case the caller wrote its name in: the name it
    // is served under here, else the registry's spelling.
    const model = this.models.entry(cmd.model)?.name ?? (await this.models.registryName(asked));
    const ref: ModelRef = { ...asked, model };
    const served = await this.models.deploy(ref, 'deployment', { undoOnFailure: true });
    const now = new Date();
    await this.tx.run(async (em) => {
      const row = await this.deployments.upsert(
        em,
        Object.assign(new DeploymentEntity(), { id: uuidv7(now.getTime()), model, version: cmd.version ?? null, alias: cmd.alias ?? null, stage: cmd.stage ?? null, createdBy: formatActor(ctx.actor), createdAt: now, updatedAt: now }),
      );
      await this.outbox.add(em, {
        subject: DEPLOYMENT_CREATED,
        actor: ctx.actor,
        correlationId: ctx.requestId,
        aggregate: { type: 'deployment', id: model },
        payload: { id: row.id, model, reference: { version: cmd.version ?? null, alias: cmd.alias ?? null, stage: cmd.stage ?? null }, servedVersion: served.version, sha256: served.sha256 },
      });
    });
    const entry = this.models.entry(model);
    if (!entry) throw new DomainError(InferenceErrorCode.ModelNotServed, ErrorKind.Conflict, `model "${model}" was unloaded while it deployed`);
    return toServedModelResponse(entry);
  }
}
