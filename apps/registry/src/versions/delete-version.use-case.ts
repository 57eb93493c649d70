import { Injectable } from '@nestjs/common';
import { MODEL_VERSION_DELETED } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { formatActor, RequestContext } from '@shipyard/service-kit';
import { AliasesRepository } from '../aliases/aliases.repository';
import { aliasDeletedEvent } from '../aliases/delete-alias.use-case';
import { toVersionResponse, versionRef } from './version.mapper';
import { VersionLookup } from './version.queries';
import { VersionsRepository } from './versions.repository';

@Injectable()
export class DeleteVersionUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly lookup: VersionLookup,
    private readonly versions: VersionsRepository,
    private readonly aliases: AliasesRepository,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Soft delete, as MLflow's SQL store does it: the row stays (numbers stay gap-free, history keeps pointing
   * at it) and disappears from every read; the aliases on it are removed, each with its own alias event as a
   * DELETE of the alias would emit. A Staging or Production version is deleted all the same (MLflow does).
   */
  async execute(modelRef: string, rawVersion: string, ctx: RequestContext): Promise<void> {
    await this.tx.run(async (em) => {
      // Model row first, as alias and stage changes lock it: no alias can land on the version meanwhile.
      const model = await this.lookup.model(em, modelRef, true);
      const { version } = await this.lookup.version(em, model.id, rawVersion, true);
      const view = await this.versions.view(em, model, version);
      const before = toVersionResponse(view);
      const removed = await this.aliases.deleteForVersion(em, model.id, version.version);
      for (const alias of removed) await this.outbox.add(em, aliasDeletedEvent(model, alias, ctx));
      const at = new Date();
      await this.versions.markDeleted(em, version, at, formatActor(ctx.actor));
      await this.outbox.add(em, {
        subject: MODEL_VERSION_DELETED,
        actor: ctx.actor,
        correlationId: ctx.requestId,
        aggregate: { type: 'model_version', id: version.id },
        payload: { ...versionRef(view), stage: version.stage, removedAliases: removed.map((a) => a.alias) },
        before: { ...before },
        after: { deletedAt: at.toISOString(), deletedBy: version.deletedBy },
      });
    });
  }
}
