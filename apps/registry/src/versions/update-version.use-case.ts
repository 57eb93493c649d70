import { Injectable } from '@nestjs/common';
import { MODEL_VERSION_UPDATED, UpdateVersionRequest, VersionResponse } from '@shipyard/contracts';
import { Outbox } from '@shipyard/messaging';
import { Transactions } from '@shipyard/persistence';
import { RequestContext } from '@shipyard/service-kit';
import { dedupe } from '../models/create-model.use-case';
import { toVersionResponse, versionRef } from './version.mapper';
import { VersionLookup } from './version.queries';
import { VersionsRepository } from './versions.repository';

type Mutable = 'description' | 'tags';

@Injectable()
export class UpdateVersionUseCase {
  constructor(
    private readonly tx: Transactions,
    private readonly lookup: VersionLookup,
    private readonly versions: VersionsRepository,
    private readonly outbox: Outbox,
  ) {}

  /**
   * Description and tags only: everything else about a version is fixed when it is created or uploaded.
   * `editTags` derives the new tags from the current ones under the row lock (a single tag set or removed).
   */
  async execute(modelRef: string, rawVersion: string, cmd: UpdateVersionRequest, ctx: RequestContext, editTags?: (current: readonly string[]) => string[]): Promise<VersionResponse> {
    return this.tx.run(async (em) => {
      const { model, version } = await this.lookup.version(em, modelRef, rawVersion, true);
      const next = { description: cmd.description === undefined ? version.description : cmd.description, tags: editTags ? dedupe(editTags(version.tags)) : cmd.tags === undefined ? version.tags : dedupe(cmd.tags) };
      const changed = (Object.keys(next) as Mutable[]).filter((k) => JSON.stringify(next[k]) !== JSON.stringify(version[k]));
      const view = await this.versions.view(em, model, version);
      if (changed.length === 0) return toVersionResponse(view);
      const before = Object.fromEntries(changed.map((k) => [k, version[k]]));
      Object.assign(version, next, { updatedAt: new Date() });
      await this.versions.save(em, version);
      await this.outbox.add(em, {
        subject: MODEL_VERSION_UPDATED,
        actor: ctx.actor,
        correlationId: ctx.requestId,
        aggregate: { type: 'model_version', id: version.id },
        payload: { ...versionRef(view), changed },
        before,
        after: Object.fromEntries(changed.map((k) => [k, version[k]])),
      });
      return toVersionResponse(view);
    });
  }
}
