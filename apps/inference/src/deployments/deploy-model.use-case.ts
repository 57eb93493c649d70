import { Injectable, Logger } from '@nestjs/common';
import { CommonErrorCode, DEPLOYMENT_CREATED, DeployModelRequest, ErrorKind, ServedModelResponse } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions, uuidv7 } from '@shipyard/persistence';
import { DomainError, formatActor, RequestContext } from '@shipyard/service-kit';
import { InferenceErrorCode, ModelManager, ModelSource } from '../models/model-manager';
import { formatModelRef, ModelRef } from '../models/model-ref';
import { ServedModel } from '../models/served-model';
import { DeploymentEntity } from './deployment.entity';
import { DeploymentsRepository } from './deployments.repository';
import { toServedModelResponse } from './served-model.mapper';

/**
 * Loads and warms the version first, and records the deployment only once it serves: a reference that
 * does not resolve or a file that does not load leaves nothing behind (and the old version serving).
 */
@Injectable()
export class DeployModelUseCase {
  private readonly logger = new Logger('deployments');

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
    const existing = this.models.entry(model);
    const before = existing ? { ref: existing.ref, source: existing.source } : null;
    const served = await this.models.deploy(ref, 'deployment', { undoOnFailure: true });
    const now = new Date();
    try {
      await this.record(cmd, ctx, model, served, now);
    } catch (e) {
      this.revert(model, before, e);
      throw e;
    }
    const entry = this.models.entry(model);
    if (!entry) throw new DomainError(InferenceErrorCode.ModelNotServed, ErrorKind.Conflict, `model "${model}" was unloaded while it deployed`);
    return toServedModelResponse(entry);
  }

  /** The deployment row and its event, in one transaction. */
  private record(cmd: DeployModelRequest, ctx: RequestContext, model: string, served: ServedModel, now: Date): Promise<void> {
    return this.tx.run(async (em) => {
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
  }

  /**
   * The version serves here but nothing recorded it (the database failed): no other replica would
   * follow, and this one would drop it at its next restart. The call fails, so the model goes back to
   * what it was: unloaded if it was not served, else its previous reference, reloaded beside the new
   * version (which serves until the swap, so no request fails meanwhile).
   */
  private revert(model: string, before: { ref: ModelRef; source: ModelSource } | null, cause: unknown): void {
    this.logger.warn(`${model}: the deployment could not be recorded (${(cause as Error).message}); ${before ? `back to ${formatModelRef(before.ref)}` : 'unloading it'}`);
    if (before) this.models.serveInBackground(before.ref, before.source, { required: false });
    else void this.models.unload(model);
  }
}
