import { Injectable } from '@nestjs/common';
import { CreateVersionRequest, MODEL_VERSION_CREATED, VersionResponse } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions, uuidv7 } from '@shipyard/persistence';
import { formatActor, RequestContext } from '@shipyard/service-kit';
import { dedupe } from '../models/create-model.use-case';
import { ModelNotFound } from '../models/model.errors';
import { ModelsRepository } from '../models/models.repository';
import { ModelVersionEntity } from './model-version.entity';
import { SourcePins } from './source-pins';
import { toVersionResponse } from './version.mapper';
import { VersionsRepository } from './versions.repository';

@Injectable()
export class CreateVersionUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly models: ModelsRepository,
    private readonly versions: VersionsRepository,
    private readonly outbox: Outbox,
    private readonly pins: SourcePins,
  ) {}

  /**
   * A new version in PENDING_UPLOAD; its number is the model's next, allocated under the model row's lock.
   * With `sourceUri` (MLflow's create-model-version) it is READY at once: the artifact stays where the URI
   * points and is never uploaded here; the ONNX file there, if any, is pinned now (hashed before the
   * transaction, so no lock is held meanwhile) and is what inference will be served (see SourcePins).
   */
  async execute(modelRef: string, cmd: CreateVersionRequest, ctx: RequestContext, opts: { sourceUri?: string } = {}): Promise<VersionResponse> {
    const pinned = opts.sourceUri ? await this.pins.atRegistration(opts.sourceUri, ctx.requestId) : null;
    return this.tx.run(async (em) => {
      const model = await this.models.findByRef(em, modelRef);
      if (!model) throw new ModelNotFound(modelRef);
      // null: the model's deletion committed while we waited for its row lock.
      const number = await this.versions.allocateNumber(em, model.id);
      if (number === null) throw new ModelNotFound(modelRef);
      const now = new Date();
      const v = Object.assign(new ModelVersionEntity(), {
        id: uuidv7(now.getTime()),
        modelId: model.id,
        version: number,
        previousVersion: number > 1 ? number - 1 : null,
        status: opts.sourceUri ? 'READY' : 'PENDING_UPLOAD',
        stage: 'None',
        framework: cmd.framework,
        description: cmd.description ?? null,
        tags: dedupe(cmd.tags ?? []),
        sourceRunId: cmd.sourceRunId ?? null,
        signature: null,
        artifactKey: pinned?.key ?? null,
        artifactSize: pinned?.size ?? null,
        artifactSha256: pinned?.sha256 ?? null,
        artifactContentType: null,
        sourceUri: opts.sourceUri ?? null,
        failureReason: null,
        createdBy: formatActor(ctx.actor),
        createdByUser: ctx.userId,
        createdAt: now,
        updatedAt: now,
        deletedAt: null,
        deletedBy: null,
      } satisfies ModelVersionEntity);
      await this.versions.insert(em, v);
      const response = toVersionResponse({ version: v, modelName: model.name, aliases: [] });
      await this.outbox.add(em, {
        subject: MODEL_VERSION_CREATED,
        actor: ctx.actor,
        correlationId: ctx.requestId,
        aggregate: { type: 'model_version', id: v.id },
        payload: { id: v.id, modelId: model.id, modelName: model.name, version: number, framework: v.framework, sourceRunId: v.sourceRunId },
        after: { ...response },
      });
      return response;
    });
  }
}
